"""Galleries and the photo page: calendar, a day's photos, neighbours, camera health."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Camera, Photo
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def photos_at(camera, times, status=Photo.Status.ANONYMIZED):
    """Rows only (no files): what galleries list. The images are tested elsewhere."""
    return Photo.objects.bulk_create(
        Photo(
            camera=camera,
            taken_at=at,
            received_at=at,
            sha256=uuid.uuid4().hex * 2,
            status=status,
            anonymized="d/x.jpg" if status == Photo.Status.ANONYMIZED else "",
            width=4000,
            height=3000,
        )
        for at in times
    )


@pytest.fixture
def camera(actors):
    Camera.objects.filter(pk=actors.camera.pk).update(timezone="Europe/Paris")
    actors.camera.refresh_from_db()
    return actors.camera


def gallery(client, camera, **params):
    return client.get(reverse("camera_gallery", args=[camera.project.slug, camera.slug]), params)


class TestCameraGallery:
    def test_days_and_times_are_the_cameras_local_ones(self, camera, client):
        # 23:30 UTC on 4 May is 01:30 on 5 May in Paris.
        photos_at(camera, [datetime(2026, 5, 4, 23, 30, tzinfo=UTC)])

        response = gallery(client, camera)

        assert response.context["day"].isoformat() == "2026-05-05"
        assert "01:30" in response.text
        assert 'href="?day=2026-05-05"' in response.text

    def test_the_calendar_links_days_with_photos_and_neighbouring_months(self, camera, client):
        photos_at(
            camera,
            [
                datetime(2026, 4, 20, 9, tzinfo=PARIS),
                datetime(2026, 5, 4, 9, tzinfo=PARIS),
                datetime(2026, 5, 6, 9, tzinfo=PARIS),
            ],
        )

        response = gallery(client, camera, day="2026-05-04")

        assert 'href="?day=2026-05-06"' in response.text
        assert 'href="?day=2026-04-20"' in response.text  # the previous month with photos
        assert 'aria-current="date"' in response.text

    def test_a_day_shows_its_photos_newest_first(self, camera, client):
        photos_at(camera, [datetime(2026, 5, 4, h, tzinfo=PARIS) for h in (8, 12, 10)])
        photos_at(camera, [datetime(2026, 5, 5, 8, tzinfo=PARIS)])

        response = gallery(client, camera, day="2026-05-04")

        hours = [p.taken_at.astimezone(PARIS).hour for p in response.context["photos"]]
        assert hours == [12, 10, 8]

    def test_members_see_photos_in_processing_the_public_does_not(self, camera, actors, client):
        at = datetime(2026, 5, 4, 9, tzinfo=PARIS)
        photos_at(camera, [at], status=Photo.Status.PROCESSING)

        member = gallery(actors.client(actors.viewer), camera, day="2026-05-04")
        public = gallery(client, camera, day="2026-05-04")

        assert "processing" in member.text
        assert "processing" not in public.text and "No photos this day" in public.text

    def test_a_bad_day_falls_back_to_the_latest(self, camera, client):
        photos_at(camera, [datetime(2026, 5, 4, 9, tzinfo=PARIS)])

        response = gallery(client, camera, day="not-a-day")

        assert response.status_code == 200
        assert response.context["day"].isoformat() == "2026-05-04"

    def test_the_query_count_does_not_grow_with_10000_photos(
        self, camera, client, django_assert_max_num_queries
    ):
        start = datetime(2025, 1, 1, tzinfo=PARIS)
        photos_at(camera, [start + timedelta(minutes=5 * i) for i in range(100)])
        with django_assert_max_num_queries(10) as small:
            gallery(client, camera)
        photos_at(camera, [start + timedelta(minutes=5 * i + 1) for i in range(10_000)])

        with django_assert_max_num_queries(len(small.captured_queries)):
            response = gallery(client, camera)

        assert len(response.context["weeks"]) >= 4


class TestPhotoPage:
    def test_earlier_and_later_photos_of_the_camera_are_linked(self, camera, client):
        first, middle, last = photos_at(
            camera, [datetime(2026, 5, 4, h, tzinfo=PARIS) for h in (8, 9, 10)]
        )
        photos_at(
            CameraFactory(project=camera.project), [datetime(2026, 5, 4, 9, 30, tzinfo=PARIS)]
        )

        page = client.get(reverse("photo_detail", args=[middle.pk])).text

        assert reverse("photo_detail", args=[first.pk]) in page
        assert reverse("photo_detail", args=[last.pk]) in page
        assert 'id="photo-prev"' in page and 'id="photo-next"' in page

    def test_the_capture_time_is_the_cameras_local_time(self, camera, client):
        (photo,) = photos_at(camera, [datetime(2026, 1, 15, 8, 0, tzinfo=UTC)])

        page = client.get(reverse("photo_detail", args=[photo.pk])).text

        assert "09:00" in page and "Europe/Paris" in page

    def test_the_first_photo_has_no_earlier_link(self, camera, client):
        (photo,) = photos_at(camera, [datetime(2026, 1, 15, 8, 0, tzinfo=PARIS)])

        page = client.get(reverse("photo_detail", args=[photo.pk])).text

        assert 'id="photo-prev"' not in page and 'id="photo-next"' not in page


def test_the_project_page_shows_each_cameras_health(camera, actors):
    now = timezone.now()
    photos_at(camera, [now - timedelta(hours=1), now - timedelta(hours=2)])
    photos_at(camera, [now - timedelta(hours=3)], status=Photo.Status.FAILED)

    page = (
        actors.client(actors.viewer).get(reverse("project_detail", args=[camera.project.slug])).text
    )

    assert "3 in the last 24 h" in page and "1 failed" in page and "last upload" in page


class TestPrivacyNotice:
    def test_it_names_the_controller_purpose_retention_and_contact(self, actors, client):
        project = actors.public_project
        project.customer.privacy_contact_email = "dpo@acme.example"
        project.customer.save()
        project.originals_enabled, project.originals_purpose = True, "Night security"
        project.originals_retention_days = 10
        project.save()

        page = client.get(reverse("project_privacy", args=[project.slug])).text

        assert "Acme Building" in page and "data controller" in page
        assert "timelapse" in page and "Night security" in page and "10 days" in page
        assert "dpo@acme.example" in page and "anonymized" in page

    def test_without_a_customer_contact_the_platforms_is_given(self, actors, client, settings):
        settings.PRIVACY_CONTACT_EMAIL = "privacy@platform.example"

        page = client.get(reverse("project_privacy", args=[actors.public_project.slug])).text

        assert 'href="mailto:privacy@platform.example"' in page

    def test_every_project_page_links_it_and_private_ones_stay_private(self, actors, client):
        url = reverse("project_privacy", args=[actors.public_project.slug])

        assert url in client.get(reverse("project_detail", args=[actors.public_project.slug])).text
        assert (
            client.get(reverse("project_privacy", args=[actors.private_project.slug])).status_code
            == 404
        )


def test_the_dashboard_shows_each_project_with_its_latest_photo_and_health(camera, actors):
    now = timezone.now()
    latest, _ = photos_at(camera, [now - timedelta(hours=1), now - timedelta(hours=5)])
    photos_at(camera, [now - timedelta(hours=2)], status=Photo.Status.FAILED)

    page = actors.client(actors.viewer).get(reverse("home")).text

    assert reverse("photo_image", args=[latest.pk, "thumbnail"]) in page
    assert "3 photos in the last 24 h" in page and "1 failed" in page
    assert reverse("project_detail", args=[actors.private_project.slug]) in page
