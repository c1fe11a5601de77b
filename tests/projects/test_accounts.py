"""Accounts: invitation-only signup, email login and verification, password reset, MFA."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from projects.models import Invitation, Membership
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def invite(actors, email="newcomer@example.com", role="project_admin", originals=False):
    """The owner sends an invitation from the members page; returns the emailed link."""
    client = actors.client(actors.owner)
    data = {"email": email, "role": role}
    if originals:
        data["can_view_originals"] = "on"
    # The email leaves after commit; run those callbacks as a real request would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("customer_members", args=[actors.customer.slug]), data)
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [email]
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def sign_up(client, email, password="a-long-new-passphrase-42"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": password, "password2": password},
    )


class TestInvitations:
    def test_an_invited_person_signs_up_and_becomes_a_member(self, actors, client):
        link = invite(actors, originals=True)

        opened = client.get(link)
        assert opened.status_code == 302 and opened.url == reverse("account_signup")
        signup_page = client.get(opened.url)
        assert "newcomer@example.com" in signup_page.content.decode()
        response = sign_up(client, "newcomer@example.com")

        assert response.status_code == 302
        user = User.objects.get(email="newcomer@example.com")
        membership = Membership.objects.get(user=user)
        assert membership.customer == actors.customer
        assert membership.role == Membership.Role.PROJECT_ADMIN
        assert membership.can_view_originals
        # The link proved the address: no verification email, signed in at once.
        assert EmailAddress.objects.get(user=user).verified
        assert client.get(reverse("home")).context["user"] == user
        assert Invitation.objects.get(email="newcomer@example.com").accepted_by == user

    def test_signup_without_an_invitation_is_closed(self, client, db):
        page = client.get(reverse("account_signup"))
        response = sign_up(client, "walk-in@example.com")

        assert "invitation only" in page.content.decode().lower()
        assert not User.objects.filter(email="walk-in@example.com").exists()
        assert response.status_code == 200

    def test_an_invitation_cannot_be_used_for_another_address(self, actors, client):
        client.get(invite(actors))

        response = sign_up(client, "someone-else@example.com")

        assert "This invitation is for newcomer@example.com" in response.content.decode()
        assert not User.objects.filter(email="someone-else@example.com").exists()

    def test_an_invitation_works_once(self, actors, client):
        link = invite(actors)
        client.get(link)
        sign_up(client, "newcomer@example.com")

        again = actors.client(actors.anonymous).get(link)

        assert again.status_code == 404
        assert "cannot be used" in again.content.decode()

    def test_an_expired_invitation_is_refused(self, actors, client):
        link = invite(actors)

        with time_machine.travel(timedelta(days=settings.INVITATION_EXPIRY_DAYS, hours=1)):
            response = client.get(link)
            signup = sign_up(client, "newcomer@example.com")

        assert response.status_code == 404
        assert signup.status_code == 200
        assert not User.objects.filter(email="newcomer@example.com").exists()

    def test_a_withdrawn_invitation_is_refused(self, actors, client):
        link = invite(actors)
        invitation = Invitation.objects.get(email="newcomer@example.com")

        actors.client(actors.owner).post(
            reverse("invitation_revoke", args=[actors.customer.slug, invitation.pk])
        )

        assert client.get(link).status_code == 404

    def test_an_existing_user_signs_in_then_joins(self, actors, client):
        link = invite(actors, email=actors.outsider.email, role="viewer")

        opened = client.get(link)
        assert opened.url.startswith(reverse("account_login"))
        # Signing in leads back to the invitation link, which adds the membership.
        joined = client.post(
            opened.url, {"login": actors.outsider.email, "password": TEST_PASSWORD}, follow=True
        )

        assert [url for url, _ in joined.redirect_chain] == [link.split("testserver")[1], "/"]
        assert f"You are now a member of {actors.customer.name}" in joined.content.decode()
        assert Membership.objects.filter(user=actors.outsider, customer=actors.customer).exists()

    def test_a_signed_in_user_cannot_take_someone_elses_invitation(self, actors):
        link = invite(actors, email="newcomer@example.com")

        response = actors.client(actors.outsider).get(link)

        assert response.status_code == 403
        assert "sent to newcomer@example.com" in response.content.decode()
        assert not Membership.objects.filter(
            user=actors.outsider, customer=actors.customer
        ).exists()

    @pytest.mark.parametrize("who", ["project_admin", "viewer", "outsider", "staff"])
    def test_only_owners_see_the_members_page(self, actors, who):
        response = actors.client(getattr(actors, who)).get(
            reverse("customer_members", args=[actors.customer.slug])
        )

        assert response.status_code == 404

    def test_anonymous_visitors_are_sent_to_sign_in(self, actors, client):
        response = client.get(reverse("customer_members", args=[actors.customer.slug]))

        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))

    def test_a_non_owner_cannot_invite(self, actors):
        response = actors.client(actors.project_admin).post(
            reverse("customer_members", args=[actors.customer.slug]),
            {"email": "friend@example.com", "role": "owner"},
        )

        assert response.status_code == 404
        assert not Invitation.objects.exists()
        assert mail.outbox == []

    def test_the_owner_sees_members_and_pending_invitations(self, actors):
        invite(actors, email="pending@example.com")

        page = actors.client(actors.owner).get(
            reverse("customer_members", args=[actors.customer.slug])
        )

        content = page.content.decode()
        assert actors.viewer.email in content
        assert "pending@example.com" in content
        assert actors.outsider.email not in content

    def test_the_invitation_token_is_stored_hashed(self, actors):
        link = invite(actors)
        token = link.rstrip("/").split("/")[-1]

        invitation = Invitation.objects.get()
        assert token not in invitation.token_hash
        assert len(invitation.token_hash) == 64


class TestLogin:
    def test_the_login_page_asks_for_email_and_password(self, client, db):
        page = client.get(reverse("account_login"))

        content = page.content.decode()
        assert page.status_code == 200
        assert 'type="email"' in content
        assert 'type="password"' in content

    def test_a_member_signs_in_with_email_and_sees_their_projects(self, actors, client):
        response = client.post(
            reverse("account_login"),
            {"login": actors.viewer.email, "password": TEST_PASSWORD},
            follow=True,
        )

        content = response.content.decode()
        assert response.context["user"] == actors.viewer
        assert "Depot" in content  # a private project of their customer
        assert "rival-site" not in content

    def test_an_unverified_address_must_be_verified_before_signing_in(self, client, db):
        user = UserFactory(email="fresh@example.com", verified=False)

        response = client.post(
            reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
        )

        assert response.status_code == 302
        assert response.url == reverse("account_email_verification_sent")
        assert "_auth_user_id" not in client.session
        assert mail.outbox[-1].to == ["fresh@example.com"]

    def test_a_wrong_password_is_refused(self, actors, client):
        response = client.post(
            reverse("account_login"), {"login": actors.viewer.email, "password": "nope-nope"}
        )

        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_password_reset_emails_a_link(self, actors, client):
        response = client.post(reverse("account_reset_password"), {"email": actors.viewer.email})

        assert response.status_code == 302
        assert mail.outbox[-1].to == [actors.viewer.email]
        assert "/accounts/password/reset/key/" in mail.outbox[-1].body


class TestMfa:
    def _signed_in_and_reauthenticated(self, actors, client):
        client.post(
            reverse("account_login"), {"login": actors.viewer.email, "password": TEST_PASSWORD}
        )
        # Setting up a second factor is sensitive: allauth asks for the password again.
        asked = client.get(reverse("mfa_activate_totp"))
        assert asked.url.startswith(reverse("account_reauthenticate"))
        client.post(asked.url, {"password": TEST_PASSWORD})
        return client.get(reverse("mfa_activate_totp"))

    def test_a_member_can_set_up_totp_with_an_authenticator_app(self, actors, client):
        page = self._signed_in_and_reauthenticated(actors, client)

        content = page.content.decode()
        assert page.status_code == 200
        assert "data:image/svg+xml" in content  # the QR code to scan
        assert page.context["form"].secret in content

    def test_a_valid_code_turns_totp_on(self, actors, client):
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import hotp_value

        page = self._signed_in_and_reauthenticated(actors, client)
        secret = page.context["form"].secret
        code = f"{hotp_value(secret, int(time.time()) // 30):06d}"

        response = client.post(reverse("mfa_activate_totp"), {"code": code})

        assert response.status_code == 302
        assert Authenticator.objects.filter(
            user=actors.viewer, type=Authenticator.Type.TOTP
        ).exists()

    def test_a_wrong_code_leaves_totp_off(self, actors, client):
        from allauth.mfa.models import Authenticator

        self._signed_in_and_reauthenticated(actors, client)
        response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})

        assert response.status_code == 200
        assert not Authenticator.objects.filter(user=actors.viewer).exists()
