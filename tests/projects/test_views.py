"""Pages: what each actor sees of projects (tenants are isolated)."""

import pytest
from django.urls import reverse

from projects.selectors import projects_visible_to

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("owner", {"tower", "depot"}),
        ("project_admin", {"tower", "depot"}),
        ("viewer", {"tower", "depot"}),
        ("outsider", {"rival-site", "tower"}),
        ("anonymous", {"tower"}),
        ("staff", {"tower", "depot", "rival-site"}),
    ],
)
def test_each_actor_sees_their_projects_and_public_ones(actors, who, expected):
    slugs = set(projects_visible_to(getattr(actors, who)).values_list("slug", flat=True))

    assert slugs == expected


def test_the_home_page_lists_a_members_projects_and_public_ones(actors):
    content = actors.client(actors.viewer).get(reverse("home")).content.decode()

    assert "Depot" in content
    assert "Tower" in content
    assert actors.outsider_project.name not in content


def test_anonymous_visitors_see_public_projects_and_a_sign_in_link(actors, client):
    response = client.get(reverse("home"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Tower" in content
    assert "Depot" not in content
    assert reverse("account_login") in content


def test_every_page_shows_the_platforms_privacy_contact(actors, client, settings):
    settings.PRIVACY_CONTACT_EMAIL = "dpo@platform.example"

    for url in [reverse("home"), reverse("account_login"), reverse("account_reset_password")]:
        assert "dpo@platform.example" in client.get(url).content.decode(), url


def test_owners_get_a_link_to_their_members_page(actors):
    owner_home = actors.client(actors.owner).get(reverse("home")).content.decode()
    viewer_home = actors.client(actors.viewer).get(reverse("home")).content.decode()

    members_url = reverse("customer_members", args=[actors.customer.slug])
    assert members_url in owner_home
    assert members_url not in viewer_home
