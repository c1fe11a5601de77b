"""The zones API behind the blur-zone editor (the re-anonymization itself: tests/anonymizer)."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from projects.models import BlurZone, Photo
from projects.services import photo_ingest
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

SQUARE = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4], [0.1, 0.4]]


@pytest.fixture
def anonymized_photo(actors):
    photo, _ = photo_ingest(camera=actors.camera, content=image_bytes(), filename="p.jpg")
    photo.anonymized.save("a.jpg", ContentFile(image_bytes()), save=False)
    photo.status, photo.work_requested_at = Photo.Status.ANONYMIZED, None
    photo.save()
    return photo


def zones_url(actors):
    return reverse("api_zones", args=[actors.camera.pk])


@pytest.mark.parametrize("who", ["owner", "project_admin"])
def test_project_admins_add_a_zone_and_the_photos_are_queued(actors, anonymized_photo, who):
    response = actors.client(getattr(actors, who)).post(
        zones_url(actors),
        {"label": "Road", "polygon_xy_norm": SQUARE},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["label"] == "Road" and body["polygon_xy_norm"] == SQUARE
    assert body["impact"] == {"from_original": 1, "on_top": 0}
    anonymized_photo.refresh_from_db()
    assert anonymized_photo.work_requested_at is not None


def test_the_list_gives_zones_and_the_impact_of_a_change(actors, anonymized_photo):
    BlurZone.objects.create(camera=actors.camera, polygon_xy_norm=SQUARE, label="Window")

    body = actors.client(actors.owner).get(zones_url(actors)).json()

    assert [z["label"] for z in body["zones"]] == ["Window"]
    assert body["impact"] == {"from_original": 1, "on_top": 0}


@pytest.mark.parametrize(
    ("polygon", "fragment"),
    [
        ([[0, 0], [1, 1]], "at least 3"),
        ([[0, 0], [1, 1], [1, 0], [0, 0.5]], "cross"),
        ([[0, 0], [1.5, 0], [1, 1]], "0"),
        ("not a polygon", ""),
    ],
)
def test_a_bad_polygon_is_400_with_the_reason(actors, polygon, fragment):
    response = actors.client(actors.owner).post(
        zones_url(actors), {"polygon_xy_norm": polygon}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_zone"
    assert fragment in response.json()["error"]["message"]
    assert not BlurZone.objects.exists()


def test_a_zone_is_reshaped_renamed_switched_off_and_deleted(actors, anonymized_photo):
    client = actors.client(actors.project_admin)
    zone_id = client.post(
        zones_url(actors), {"polygon_xy_norm": SQUARE}, content_type="application/json"
    ).json()["id"]
    url = reverse("api_zone", args=[zone_id])

    moved = client.patch(
        url,
        {"polygon_xy_norm": [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9]], "label": "Yard"},
        content_type="application/json",
    )
    off = client.patch(url, {"is_active": False}, content_type="application/json")
    gone = client.delete(url)

    assert moved.status_code == 200 and moved.json()["label"] == "Yard"
    assert off.json()["is_active"] is False
    assert gone.status_code == 204 and not BlurZone.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("viewer", 404), ("outsider", 404), ("anonymous", 401)]
)
def test_others_cannot_see_or_change_zones(actors, who, status):
    zone = BlurZone.objects.create(camera=actors.camera, polygon_xy_norm=SQUARE)
    client = actors.client(getattr(actors, who))

    assert client.get(zones_url(actors)).status_code == status
    assert client.delete(reverse("api_zone", args=[zone.pk])).status_code == status
    assert BlurZone.objects.filter(pk=zone.pk).exists()


def test_the_editor_page_is_for_project_admins(actors, anonymized_photo):
    url = reverse("camera_zones", args=[actors.camera.pk])

    page = actors.client(actors.project_admin).get(url)

    assert page.status_code == 200 and zones_url(actors) in page.text
    assert reverse("photo_image", args=[anonymized_photo.pk, "display"]) in page.text
    assert actors.client(actors.viewer).get(url).status_code == 404
    assert Client().get(url).status_code == 302
