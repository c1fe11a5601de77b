"""Services: camera tokens, photo ingestion, file clean-up, housekeeping."""

import io
import zoneinfo
from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from PIL import Image

from projects.models import Camera, Photo, token_hash
from projects.services import (
    PhotoRejected,
    camera_create,
    camera_token_rotate,
    housekeeping_run,
    photo_ingest,
)
from tests.factories import CameraFactory, ProjectFactory
from tests.images import image_bytes, png_bomb_bytes
from tests.storage import stored_originals

pytestmark = pytest.mark.django_db


class TestCameraToken:
    def test_the_token_is_returned_once_and_only_its_hash_is_stored(self):
        camera, token = camera_create(project=ProjectFactory(), name="North gate")

        camera.refresh_from_db()
        assert len(token) >= 40
        assert camera.upload_token_hash == token_hash(token)
        assert camera.upload_token_prefix == token[:8]
        stored_values = [str(getattr(camera, f.attname)) for f in Camera._meta.concrete_fields]
        assert not any(token in value for value in stored_values)

    def test_the_token_authenticates_the_camera_and_nothing_else_does(self):
        camera, token = camera_create(project=ProjectFactory(), name="North gate")

        assert camera.token_matches(token)
        assert not camera.token_matches(token[:-1])
        assert not camera.token_matches("")

    def test_two_cameras_never_share_a_token(self):
        project = ProjectFactory()
        _, first = camera_create(project=project, name="A")
        _, second = camera_create(project=project, name="B")

        assert first != second

    def test_rotating_the_token_retires_the_old_one(self):
        camera, old = camera_create(project=ProjectFactory(), name="North gate")

        new = camera_token_rotate(camera=camera)

        camera.refresh_from_db()
        assert camera.token_matches(new)
        assert not camera.token_matches(old)

    def test_the_slug_is_derived_and_unique_within_the_project(self):
        project = ProjectFactory()
        first, _ = camera_create(project=project, name="Tower crane")
        second, _ = camera_create(project=project, name="Tower crane")

        assert (first.slug, second.slug) == ("tower-crane", "tower-crane-2")

    def test_a_bad_time_zone_is_refused(self):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            camera_create(project=ProjectFactory(), name="X", timezone_name="Nowhere/Land")
        assert Camera.objects.count() == 0


class TestPhotoIngest:
    @pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
    def test_an_upload_is_stored_privately_and_waits_hidden_for_anonymization(self, fmt):
        camera = CameraFactory()

        photo, created = photo_ingest(camera=camera, content=image_bytes(fmt, (80, 60)))

        assert created
        assert photo.status == Photo.Status.PENDING
        assert (photo.width, photo.height) == (80, 60)
        assert photo.original.name in stored_originals()
        assert not photo.anonymized and not photo.display and not photo.thumbnail

    def test_the_same_bytes_again_return_the_same_photo(self):
        camera = CameraFactory()
        content = image_bytes()
        first, _ = photo_ingest(camera=camera, content=content)

        again, created = photo_ingest(camera=camera, content=content)

        assert not created
        assert again.pk == first.pk
        assert Photo.objects.count() == 1
        assert len(stored_originals()) == 1

    def test_the_same_bytes_from_another_camera_are_another_photo(self):
        content = image_bytes()
        photo_ingest(camera=CameraFactory(), content=content)
        _, created = photo_ingest(camera=CameraFactory(), content=content)

        assert created

    @pytest.mark.parametrize(
        ("content", "code"),
        [
            (b"", "empty_image"),
            (b"just some text, not a photo", "unsupported_image"),
            (image_bytes("JPEG", (300, 200))[:900], "corrupt_image"),
            (png_bomb_bytes(), "too_many_pixels"),
        ],
    )
    def test_a_bad_file_is_rejected_and_nothing_is_stored(self, content, code):
        before = stored_originals()

        with pytest.raises(PhotoRejected) as error:
            photo_ingest(camera=CameraFactory(), content=content)

        assert error.value.code == code
        assert error.value.message
        assert Photo.objects.count() == 0
        assert stored_originals() == before

    def test_a_file_over_the_byte_limit_is_rejected(self, settings):
        settings.UPLOAD_MAX_BYTES = 2048
        noisy = io.BytesIO()
        Image.effect_noise((200, 200), 80).save(noisy, "PNG")
        assert len(noisy.getvalue()) > 2048

        with pytest.raises(PhotoRejected) as error:
            photo_ingest(camera=CameraFactory(), content=noisy.getvalue())

        assert error.value.code == "file_too_large"
        assert Photo.objects.count() == 0

    def test_an_inactive_camera_cannot_upload(self):
        with pytest.raises(PhotoRejected) as error:
            photo_ingest(camera=CameraFactory(is_active=False), content=image_bytes())

        assert error.value.code == "inactive_camera"

    def test_capture_time_comes_from_exif_in_the_cameras_time_zone(self):
        camera = CameraFactory(timezone="Europe/Paris")

        photo, _ = photo_ingest(
            camera=camera, content=image_bytes(exif_datetime="2026:07:01 08:15:00")
        )

        paris = zoneinfo.ZoneInfo("Europe/Paris")
        assert photo.taken_at == datetime(2026, 7, 1, 8, 15, tzinfo=paris)

    @time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=zoneinfo.ZoneInfo("UTC")), tick=False)
    def test_without_exif_the_capture_time_is_the_receipt_time(self):
        photo, _ = photo_ingest(camera=CameraFactory(), content=image_bytes())

        assert photo.taken_at == photo.received_at
        assert photo.received_at == datetime(2026, 5, 4, 10, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))

    def test_an_explicit_capture_time_wins(self):
        when = datetime(2026, 1, 2, 3, 4, tzinfo=zoneinfo.ZoneInfo("UTC"))

        photo, _ = photo_ingest(
            camera=CameraFactory(),
            content=image_bytes(exif_datetime="2026:07:01 08:15:00"),
            taken_at=when,
        )

        assert photo.taken_at == when

    def test_a_turned_camera_gives_the_upright_size(self):
        photo, _ = photo_ingest(
            camera=CameraFactory(), content=image_bytes("JPEG", (64, 48), orientation=6)
        )

        assert (photo.width, photo.height) == (48, 64)


def test_deleting_a_photo_deletes_its_original_from_storage(django_capture_on_commit_callbacks):
    photo, _ = photo_ingest(camera=CameraFactory(), content=image_bytes())
    name = photo.original.name
    assert name in stored_originals()

    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()

    assert name not in stored_originals()


def test_deleting_a_camera_deletes_its_photos_originals(django_capture_on_commit_callbacks):
    camera = CameraFactory()
    names = {
        photo_ingest(camera=camera, content=image_bytes(color=(i, i, i)))[0].original.name
        for i in range(3)
    }

    with django_capture_on_commit_callbacks(execute=True):
        camera.project.delete()

    assert not names & stored_originals()


def test_housekeeping_deletes_expired_sessions_and_stale_invitations(actors):
    from projects.services import invitation_create

    dead = SessionStore()
    dead.set_expiry(1)
    dead.create()
    invitation_create(
        customer=actors.customer,
        invited_by=actors.owner,
        email="late@example.com",
        accept_url=lambda t: t,
    )

    with time_machine.travel(timedelta(days=settings.INVITATION_EXPIRY_DAYS + 31)):
        fresh = SessionStore()
        fresh.create()
        counts = housekeeping_run()

    assert counts["invitations_deleted"] == 1
    assert Session.objects.filter(session_key=fresh.session_key).exists()
    assert not Session.objects.filter(session_key=dead.session_key).exists()
    assert counts["sessions_deleted"] >= 1
