"""Who sees what: the permission matrix, originals behind 2FA with an audit log, purge.

Every authenticated actor here has TOTP and verified it in this session, so
the matrix shows what roles and projects decide; 2FA itself is tested below.
"""

import csv
import io
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import Membership, OriginalAccess, OriginalsPurge, Photo, Project
from projects.services import (
    originals_purge,
    photo_ingest,
    project_originals_enable,
)
from tests.factories import CameraFactory, ProjectFactory
from tests.images import image_bytes
from tests.storage import stored_originals

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "viewer", "project_admin", "owner", "staff"]
# Columns: public project without originals, public with, private without, private with.
PROJECTS = ["public", "public+originals", "private", "private+originals"]

# The expected status of each resource, per role, per project (in PROJECTS order).
# "listed"/"absent": whether the photo appears in the API list. 302: to the login page.
MATRIX = {
    "project page": {
        "anonymous": (200, 200, 404, 404),
        "outsider": (200, 200, 404, 404),
        "viewer": (200, 200, 200, 200),
        "project_admin": (200, 200, 200, 200),
        "owner": (200, 200, 200, 200),
        "staff": (200, 200, 200, 200),
    },
    "gallery": {
        "anonymous": (200, 200, 404, 404),
        "outsider": (200, 200, 404, 404),
        "viewer": (200, 200, 200, 200),
        "project_admin": (200, 200, 200, 200),
        "owner": (200, 200, 200, 200),
        "staff": (200, 200, 200, 200),
    },
    "photo page": {
        "anonymous": (200, 200, 404, 404),
        "outsider": (200, 200, 404, 404),
        "viewer": (200, 200, 200, 200),
        "project_admin": (200, 200, 200, 200),
        "owner": (200, 200, 200, 200),
        "staff": (200, 200, 200, 200),
    },
    "anonymized image": {
        "anonymous": (200, 200, 404, 404),
        "outsider": (200, 200, 404, 404),
        "viewer": (200, 200, 200, 200),
        "project_admin": (200, 200, 200, 200),
        "owner": (200, 200, 200, 200),
        "staff": (200, 200, 200, 200),
    },
    "thumbnail": {
        "anonymous": (200, 200, 404, 404),
        "outsider": (200, 200, 404, 404),
        "viewer": (200, 200, 200, 200),
        "project_admin": (200, 200, 200, 200),
        "owner": (200, 200, 200, 200),
        "staff": (200, 200, 200, 200),
    },
    "original": {
        "anonymous": (302, 302, 302, 302),
        "outsider": (403, 403, 404, 404),
        "viewer": (403, 403, 403, 403),
        "project_admin": (403, 403, 403, 403),
        "owner": (403, 200, 403, 200),
        "staff": (403, 403, 403, 403),
    },
    "API list": {
        "anonymous": (401, 401, 401, 401),
        "outsider": ("listed", "listed", "absent", "absent"),
        "viewer": ("listed", "listed", "listed", "listed"),
        "project_admin": ("listed", "listed", "listed", "listed"),
        "owner": ("listed", "listed", "listed", "listed"),
        "staff": ("listed", "listed", "listed", "listed"),
    },
    "API detail": {
        "anonymous": (401, 401, 401, 401),
        "outsider": (200, 200, 404, 404),
        "viewer": (200, 200, 200, 200),
        "project_admin": (200, 200, 200, 200),
        "owner": (200, 200, 200, 200),
        "staff": (200, 200, 200, 200),
    },
    "audit log": {
        "anonymous": (302, 302, 302, 302),
        "outsider": (404, 404, 404, 404),
        "viewer": (404, 404, 404, 404),
        "project_admin": (404, 404, 404, 404),
        "owner": (200, 200, 200, 200),
        "staff": (404, 404, 404, 404),
    },
}


def make_anonymized(photo: Photo, *, keep_original: bool) -> Photo:
    """What a successful run leaves (the run itself is tested in tests/anonymizer)."""
    for field in ("anonymized", "display", "thumbnail"):
        getattr(photo, field).save(f"{field}.jpg", ContentFile(image_bytes()), save=False)
    photo.status, photo.work_requested_at = Photo.Status.ANONYMIZED, None
    if keep_original:
        photo.original_delete_after = photo.taken_at + timedelta(days=7)
    else:
        photo.original.delete(save=False)
        photo.original = None
    photo.save()
    return photo


def project_with_photo(customer, slug: str, *, public: bool, originals: bool):
    project = ProjectFactory(
        customer=customer,
        slug=slug,
        is_public=public,
        originals_enabled=originals,
        originals_purpose="Site security" if originals else "",
    )
    camera = CameraFactory(project=project, slug="cam")
    photo, _ = photo_ingest(
        camera=camera, content=image_bytes(color=(len(slug) * 20 % 255, 60, 90)), filename="p.jpg"
    )
    return project, make_anonymized(photo, keep_original=originals)


def with_fresh_2fa(user) -> Client:
    """A client signed in as ``user``, who has TOTP and just verified it."""
    client = Client()
    if not getattr(user, "pk", None):
        return client
    client.force_login(user)
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "not-used-here"}}
    )
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time()},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def observe(client, project, photo) -> dict:
    """The status of every resource of the matrix for one client, project and photo."""
    urls = {
        "project page": reverse("project_detail", args=[project.slug]),
        "gallery": reverse("camera_gallery", args=[project.slug, "cam"]),
        "photo page": reverse("photo_detail", args=[photo.pk]),
        "anonymized image": reverse("photo_image", args=[photo.pk, "display"]),
        "thumbnail": reverse("photo_image", args=[photo.pk, "thumbnail"]),
        "original": reverse("photo_original", args=[photo.pk]),
        "API detail": f"/api/v1/photos/{photo.pk}/",
        "audit log": reverse("project_audit_log", args=[project.slug]),
    }
    seen = {name: client.get(url).status_code for name, url in urls.items()}
    listing = client.get("/api/v1/photos/", {"page_size": 500})
    seen["API list"] = (
        listing.status_code
        if listing.status_code != 200
        else (
            "listed" if str(photo.pk) in {p["id"] for p in listing.json()["results"]} else "absent"
        )
    )
    return seen


@pytest.fixture
def site(actors):
    """The four kinds of project of the matrix, each with one anonymized photo."""
    return {
        kind: project_with_photo(
            actors.customer,
            kind.replace("+", "-"),
            public=kind.startswith("public"),
            originals=kind.endswith("originals"),
        )
        for kind in PROJECTS
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", PROJECTS)
def test_the_permission_matrix(actors, site, role, kind):
    project, photo = site[kind]

    seen = observe(with_fresh_2fa(getattr(actors, role)), project, photo)

    column = PROJECTS.index(kind)
    assert seen == {resource: row[role][column] for resource, row in MATRIX.items()}


def test_a_photo_not_yet_anonymized_is_hidden_from_everyone_but_listed_for_members(actors):
    camera = CameraFactory(project=actors.public_project, slug="fresh")
    photo, _ = photo_ingest(camera=camera, content=image_bytes(), filename="p.jpg")

    for role in ROLES:
        client = with_fresh_2fa(getattr(actors, role))
        image = client.get(reverse("photo_image", args=[photo.pk, "display"]))
        assert image.status_code == 404, role
    anonymous = Client().get(reverse("photo_detail", args=[photo.pk]))
    member_page = actors.client(actors.viewer).get(reverse("photo_detail", args=[photo.pk]))
    assert anonymous.status_code == 404
    assert "being processed" in member_page.text


class TestServing:
    def test_public_images_may_be_cached_by_anyone_briefly(self, site):
        _, photo = site["public"]

        response = Client().get(reverse("photo_image", args=[photo.pk, "display"]))

        # Short, so a copy cached before a report hid the photo does not live long.
        assert response["Cache-Control"] == "public, max-age=60"

    def test_private_images_are_cached_only_by_the_browser(self, actors, site):
        _, photo = site["private"]

        response = actors.client(actors.viewer).get(reverse("photo_image", args=[photo.pk, "full"]))

        assert response["Cache-Control"] == "private, max-age=300"
        assert "Cookie" in response["Vary"]

    def test_originals_are_never_cached(self, actors, site):
        _, photo = site["private+originals"]

        response = with_fresh_2fa(actors.owner).get(reverse("photo_original", args=[photo.pk]))

        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        with photo.original.open("rb") as handle:
            assert b"".join(response.streaming_content) == handle.read()

    def test_an_unknown_image_kind_is_404(self, site):
        _, photo = site["public"]

        assert Client().get(f"/photos/{photo.pk}/image/original/").status_code == 404

    def test_on_s3_images_redirect_to_a_presigned_url_valid_a_minute(self, actors, site, settings):
        from storages.backends.s3 import S3Storage

        _, photo = site["private+originals"]
        storage = S3Storage(
            bucket_name="originals",
            access_key="k",
            secret_key="s",
            endpoint_url="http://127.0.0.1:9",
            querystring_auth=True,
            addressing_style="path",
            signature_version="s3v4",
            region_name="us-east-1",
        )
        photo.original.storage = storage  # the view reads the storage from the field file
        from projects import views

        response = views._serve(photo.original, cache_control="private, no-store")

        assert response.status_code == 302
        assert "X-Amz-Expires=60" in response["Location"]
        assert "response-cache-control=private%2C%20no-store" in response["Location"]
        assert response["Cache-Control"] == "private, no-store"


class TestOriginals:
    @pytest.fixture
    def photo(self, site):
        return site["private+originals"][1]

    def url(self, photo):
        return reverse("photo_original", args=[photo.pk])

    def test_each_view_is_logged_with_who_when_where_and_why(self, actors, photo):
        client = with_fresh_2fa(actors.owner)

        client.get(self.url(photo), REMOTE_ADDR="203.0.113.9")
        client.get(self.url(photo), REMOTE_ADDR="203.0.113.9")

        rows = OriginalAccess.objects.all()
        assert rows.count() == 2
        row = rows.first()
        assert (row.user, row.photo, row.ip_address) == (actors.owner, photo, "203.0.113.9")
        assert row.purpose == "Site security"

    def test_a_refused_view_is_not_logged(self, actors, photo):
        with_fresh_2fa(actors.viewer).get(self.url(photo))
        Client().get(self.url(photo))
        actors.client(actors.owner).get(self.url(photo))  # no 2FA in this session

        assert not OriginalAccess.objects.exists()

    def test_without_two_factor_authentication_the_original_is_refused(self, actors, photo):
        Authenticator.objects.filter(user=actors.owner).delete()
        client = Client()
        client.force_login(actors.owner)

        response = client.get(self.url(photo))

        assert response.status_code == 403
        assert "two-factor authentication" in response.text

    def test_a_2fa_check_older_than_the_limit_asks_for_the_code_again(
        self, actors, photo, settings
    ):
        client = with_fresh_2fa(actors.owner)

        with time_machine.travel(
            timezone.now() + timedelta(seconds=settings.ORIGINALS_MFA_MAX_AGE_SECONDS + 5)
        ):
            response = client.get(self.url(photo))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_reauthenticate"))
        assert not OriginalAccess.objects.exists()

    def test_a_member_given_the_right_may_view(self, actors, photo):
        Membership.objects.filter(user=actors.viewer).update(can_view_originals=True)

        assert with_fresh_2fa(actors.viewer).get(self.url(photo)).status_code == 200

    def test_a_deleted_original_is_gone_for_everyone(self, actors, photo):
        photo.original.delete(save=True)

        response = with_fresh_2fa(actors.owner).get(self.url(photo))

        assert response.status_code == 403
        assert "deleted" in response.text

    def test_the_photo_page_offers_the_original_only_to_those_allowed(self, actors, photo):
        url = reverse("photo_detail", args=[photo.pk])

        owner_page = with_fresh_2fa(actors.owner).get(url).text
        viewer_page = with_fresh_2fa(actors.viewer).get(url).text

        assert self.url(photo) in owner_page and "deleted in" in owner_page
        assert self.url(photo) not in viewer_page

    def test_the_owner_downloads_the_audit_log_as_csv(self, actors, photo):
        client = with_fresh_2fa(actors.owner)
        client.get(self.url(photo), REMOTE_ADDR="198.51.100.7")

        response = client.get(
            reverse("project_audit_log", args=[photo.camera.project.slug]), {"format": "csv"}
        )

        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["accessed_at", "user", "photo", "ip_address", "purpose"]
        assert rows[1][1:] == [actors.owner.email, str(photo.pk), "198.51.100.7", "Site security"]

    def test_the_audit_log_cannot_be_changed_or_deleted_in_the_admin(self, actors, photo):
        from django.contrib.auth import get_user_model

        with_fresh_2fa(actors.owner).get(self.url(photo))
        access = OriginalAccess.objects.get()
        root = get_user_model().objects.create_superuser("root@x.example", "root@x.example", "pw")
        client = Client()
        client.force_login(root)

        page = client.get(reverse("admin:projects_originalaccess_change", args=[access.pk]))
        client.post(
            reverse("admin:projects_originalaccess_delete", args=[access.pk]), {"post": "yes"}
        )

        assert page.status_code == 200 and 'name="purpose"' not in page.text
        assert OriginalAccess.objects.filter(pk=access.pk).exists()

    def test_the_audit_log_outlives_the_photo(self, actors, photo):
        with_fresh_2fa(actors.owner).get(self.url(photo))

        photo.delete()

        access = OriginalAccess.objects.get()
        assert access.photo is None and access.photo_uuid


class TestOwnerSwitchesOriginals:
    def test_enabling_records_who_when_and_the_purpose_shown_on_the_project_page(self, actors):
        project = actors.private_project
        client = actors.client(actors.owner)

        client.post(
            reverse("project_originals", args=[project.slug]),
            {
                "action": "enable",
                "originals_purpose": "Theft investigation",
                "originals_retention_days": "14",
            },
        )

        project.refresh_from_db()
        assert project.originals_enabled and project.originals_enabled_by == actors.owner
        assert project.originals_enabled_at is not None
        page = client.get(reverse("project_detail", args=[project.slug])).text
        assert "Theft investigation" in page and "14 days" in page and actors.owner.email in page

    @pytest.mark.parametrize("days", ["31", "0", "365"])
    def test_a_retention_outside_1_to_30_days_is_refused(self, actors, days):
        project = actors.private_project

        response = actors.client(actors.owner).post(
            reverse("project_originals", args=[project.slug]),
            {"action": "enable", "originals_purpose": "Security", "originals_retention_days": days},
        )

        assert response.status_code == 400
        project.refresh_from_db()
        assert not project.originals_enabled

    def test_a_retention_of_31_days_is_refused_by_the_service_and_the_database(self, actors):
        project = actors.private_project
        with pytest.raises(ValidationError):
            project_originals_enable(
                project=project, by=actors.owner, purpose="Security", retention_days=31
            )
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Project.objects.filter(pk=project.pk).update(originals_retention_days=31)

    def test_an_empty_purpose_is_refused(self, actors):
        response = actors.client(actors.owner).post(
            reverse("project_originals", args=[actors.private_project.slug]),
            {"action": "enable", "originals_purpose": "  ", "originals_retention_days": "7"},
        )

        assert response.status_code == 400

    @pytest.mark.parametrize("who", ["project_admin", "viewer", "outsider", "staff"])
    def test_only_owners_may_switch_originals(self, actors, who):
        response = actors.client(getattr(actors, who)).post(
            reverse("project_originals", args=[actors.private_project.slug]),
            {"action": "enable", "originals_purpose": "x", "originals_retention_days": "7"},
        )

        assert response.status_code == 404

    def test_turning_originals_off_needs_confirmation_then_deletes_them(
        self, actors, site, django_capture_on_commit_callbacks
    ):
        project, photo = site["private+originals"]
        url = reverse("project_originals", args=[project.slug])
        client = actors.client(actors.owner)

        client.post(url, {"action": "disable", "confirm": "wrong"})
        assert stored_originals() and Project.objects.get(pk=project.pk).originals_enabled

        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"action": "disable", "confirm": project.slug})

        photo.refresh_from_db()
        assert not Project.objects.get(pk=project.pk).originals_enabled
        assert not photo.has_original
        assert photo.original.name not in stored_originals() if photo.original else True
        assert len(stored_originals()) == 1  # the other project's original is untouched


class TestPurge:
    def test_originals_past_retention_are_deleted_from_storage_and_the_rest_kept(self, site):
        _, public_photo = site["public+originals"]
        _, private_photo = site["private+originals"]
        Photo.objects.filter(pk=private_photo.pk).update(
            original_delete_after=timezone.now() + timedelta(days=20)
        )
        names = {public_photo.original.name, private_photo.original.name}
        assert names <= stored_originals()

        with time_machine.travel(timezone.now() + timedelta(days=8)):
            record = originals_purge()

        public_photo.refresh_from_db()
        private_photo.refresh_from_db()
        assert (record.due, record.deleted, record.failed) == (1, 1, 0)
        assert not public_photo.has_original and private_photo.has_original
        assert stored_originals() == {private_photo.original.name}

    def test_nothing_outlives_thirty_days_whatever_the_row_says(self, site):
        Photo.objects.exclude(original=None).update(
            original_delete_after=timezone.now() + timedelta(days=400)
        )

        with time_machine.travel(timezone.now() + timedelta(days=29)):
            assert originals_purge().deleted == 0
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            assert originals_purge().deleted == 2

        assert stored_originals() == set()

    def test_an_old_photo_just_imported_keeps_its_original_until_anonymized(self, actors):
        photo, _ = photo_ingest(
            camera=actors.camera,
            content=image_bytes(),
            filename="old.jpg",
            taken_at=timezone.now() - timedelta(days=90),
        )

        assert originals_purge().deleted == 0
        photo.refresh_from_db()
        assert photo.has_original

    def test_a_storage_refusal_is_counted_and_retried_next_run(self, site, monkeypatch):
        from devisubox.storages import PrivateFileSystemStorage

        monkeypatch.setattr(
            PrivateFileSystemStorage, "delete", lambda self, name: (_ for _ in ()).throw(OSError())
        )
        with time_machine.travel(timezone.now() + timedelta(days=8)):
            assert originals_purge().failed == 2
            assert len(stored_originals()) == 2
            monkeypatch.undo()
            assert originals_purge().deleted == 2
        assert stored_originals() == set()

    def test_the_command_dry_run_counts_and_deletes_nothing(self, site):
        out = io.StringIO()
        with time_machine.travel(timezone.now() + timedelta(days=8)):
            call_command("purge_originals", "--dry-run", stdout=out)
            assert "2 originals are due" in out.getvalue()
            assert len(stored_originals()) == 2
            call_command("purge_originals", stdout=out)

        assert "2 of 2 due originals deleted" in out.getvalue()
        assert stored_originals() == set()
        assert OriginalsPurge.objects.count() == 2

    def test_the_purge_runs_at_least_hourly(self, settings):
        schedule = {
            entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
        }

        assert schedule["projects.tasks.originals_purge"] <= 3600


class TestAccountSafety:
    def test_five_failed_logins_lock_the_address_out(self, actors):
        client = Client()
        for _ in range(5):
            client.post(reverse("account_login"), {"login": actors.owner.email, "password": "bad"})

        response = client.post(
            reverse("account_login"),
            {"login": actors.owner.email, "password": "correct-horse-battery"},
        )

        assert "_auth_user_id" not in client.session
        assert "Too many failed login attempts" in response.text
        # The same password works for an address without failures: the lockout refused it.
        other = Client()
        other.post(
            reverse("account_login"),
            {"login": actors.viewer.email, "password": "correct-horse-battery"},
        )
        assert other.session.get("_auth_user_id") == str(actors.viewer.pk)

    def test_forms_need_the_csrf_token(self, actors):
        client = Client(enforce_csrf_checks=True)
        client.force_login(actors.owner)

        response = client.post(
            reverse("project_originals", args=[actors.private_project.slug]),
            {"action": "enable", "originals_purpose": "x", "originals_retention_days": "7"},
        )

        assert response.status_code == 403


def test_staff_read_and_export_the_audit_log_in_the_admin(actors, site):
    _, photo = site["private+originals"]
    with_fresh_2fa(actors.owner).get(reverse("photo_original", args=[photo.pk]))
    client = actors.client(actors.staff)

    listing = client.get(reverse("admin:projects_originalaccess_changelist"))
    export = client.post(
        reverse("admin:projects_originalaccess_changelist"),
        {
            "action": "export_csv",
            "_selected_action": list(OriginalAccess.objects.values_list("pk", flat=True)),
        },
    )

    assert listing.status_code == 200 and actors.owner.email in listing.text
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[1][1] == actors.owner.email and rows[1][3] == photo.camera.project.slug
    assert "delete_selected" not in listing.text


def test_a_real_sign_in_with_password_and_totp_code_opens_the_original(actors, site):
    """End to end through allauth: password, then the authenticator app's code."""
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    _, photo = site["private+originals"]
    secret = generate_totp_secret()
    TOTP.activate(actors.owner, secret)
    client = Client()
    client.post(
        reverse("account_login"),
        {"login": actors.owner.email, "password": "correct-horse-battery"},
    )
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))

    client.post(reverse("mfa_authenticate"), {"code": code})
    response = client.get(reverse("photo_original", args=[photo.pk]))

    assert response.status_code == 200
    assert OriginalAccess.objects.filter(user=actors.owner, photo=photo).count() == 1
