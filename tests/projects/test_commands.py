"""Management commands: seed_demo, create_camera (token shown once), import_photos."""

import os
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from projects.demo import DEMO_PASSWORD
from projects.demo_images import demo_photo_bytes
from projects.models import BlurZone, Camera, Customer, Membership, Photo, Project
from tests.factories import CameraFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything seed_demo creates, in a comparable form."""
    root = Path(storages["originals"].location)
    return {
        "customers": sorted(Customer.objects.values_list("slug", flat=True)),
        "users": sorted(
            get_user_model().objects.values_list("email", "is_staff", "is_superuser", "password")
        ),
        "memberships": sorted(
            Membership.objects.values_list("user__email", "role", "can_view_originals")
        ),
        "projects": sorted(Project.objects.values_list("slug", "is_public", "originals_enabled")),
        "cameras": sorted(Camera.objects.values_list("slug", "upload_token_hash")),
        "zones": sorted(BlurZone.objects.values_list("label", "camera__slug")),
        "photos": sorted(Photo.objects.values_list("pk", "sha256", "taken_at", "status")),
        "files": sorted(str(p) for p in root.rglob("*") if p.is_file()),
    }


def seed(**kwargs) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **kwargs)
    return out.getvalue()


def test_seed_demo_twice_leaves_the_same_data():
    first_output = seed()
    first = snapshot()

    second_output = seed()

    assert snapshot() == first
    assert "24 new, 0 already there" in first_output
    assert "0 new, 24 already there" in second_output


def test_seed_demo_creates_every_role_a_public_and_a_private_project():
    output = seed()

    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Membership.Role.values)
    assert Project.objects.filter(is_public=True).exists()
    private = Project.objects.get(is_public=False)
    assert private.originals_enabled and private.originals_purpose
    assert get_user_model().objects.filter(is_staff=True, is_superuser=False).exists()
    assert DEMO_PASSWORD in output
    for email in get_user_model().objects.values_list("email", flat=True):
        assert email in output


def test_seeded_users_can_sign_in(client):
    seed()

    assert client.login(username="viewer@demo.example", password=DEMO_PASSWORD)


def test_demo_photos_go_through_ingestion_and_stay_hidden_until_anonymized():
    seed()

    assert Photo.objects.count() == 24
    assert set(Photo.objects.values_list("status", flat=True)) == {Photo.Status.PENDING}
    assert all(photo.has_original for photo in Photo.objects.all())


def test_demo_photos_are_deterministic_and_differ_between_frames():
    assert demo_photo_bytes("a/b", 1) == demo_photo_bytes("a/b", 1)
    assert demo_photo_bytes("a/b", 1) != demo_photo_bytes("a/b", 2)


def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="Refusing"):
        seed()
    assert not Customer.objects.exists()


def test_create_camera_prints_the_token_once(actors):
    out = StringIO()

    call_command(
        "create_camera", project="tower", name="South", timezone="Europe/Paris", stdout=out
    )

    camera = Camera.objects.get(name="South")
    token = out.getvalue().split("store it in the camera): ")[1].strip()
    assert camera.token_matches(token)
    assert camera.project == actors.public_project


def test_create_camera_with_an_unknown_project_fails_clearly(db):
    with pytest.raises(CommandError, match="No project with slug 'nope'"):
        call_command("create_camera", project="nope", name="X", stdout=StringIO())


def test_create_camera_with_a_bad_time_zone_fails_clearly(actors):
    with pytest.raises(CommandError, match="not a known time zone"):
        call_command(
            "create_camera", project="tower", name="X", timezone="Moon/Base", stdout=StringIO()
        )


class TestImportPhotos:
    @pytest.fixture
    def folder(self, tmp_path):
        root = tmp_path / "archive"
        (root / "2026-05-04").mkdir(parents=True)
        (root / "2026-05-04" / "0800.jpg").write_bytes(image_bytes(color=(10, 200, 30)))
        (root / "2026-05-04" / "0805.png").write_bytes(image_bytes("PNG", color=(90, 20, 30)))
        (root / "readme.txt").write_text("camera archive, exported by the vendor tool")
        (root / "cut.jpg").write_bytes(image_bytes(size=(300, 200))[:700])
        (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
        return root

    def run(self, *args):
        out = StringIO()
        call_command("import_photos", *args, "--no-progress", stdout=out, stderr=StringIO())
        return out.getvalue()

    def test_it_imports_photos_and_lists_what_it_refused_and_why(self, folder):
        camera = CameraFactory()

        output = self.run("--camera", str(camera.pk), str(folder))

        assert "2 accepted, 0 duplicate, 2 rejected" in output
        assert "rejected readme.txt: unsupported_image" in output
        assert "rejected cut.jpg: corrupt_image" in output
        assert set(camera.photos.values_list("status", flat=True)) == {"pending"}

    def test_running_it_again_imports_nothing_twice(self, folder):
        camera = CameraFactory()
        self.run("--camera", str(camera.pk), str(folder))

        output = self.run("--camera", str(camera.pk), str(folder))

        assert "0 accepted, 2 duplicate, 2 rejected" in output
        assert camera.photos.count() == 2

    def test_a_photo_without_exif_gets_its_file_time(self, folder):
        camera = CameraFactory()
        stamp = datetime(2026, 5, 4, 8, 0, tzinfo=UTC).timestamp()
        os.utime(folder / "2026-05-04" / "0800.jpg", (stamp, stamp))

        self.run("--camera", str(camera.pk), str(folder))

        assert camera.photos.filter(taken_at=datetime(2026, 5, 4, 8, 0, tzinfo=UTC)).exists()

    def test_an_unknown_camera_or_folder_is_a_clear_error(self, folder, tmp_path):
        with pytest.raises(CommandError, match="No camera with id 999999"):
            self.run("--camera", "999999", str(folder))
        with pytest.raises(CommandError, match="is not a folder"):
            self.run("--camera", str(CameraFactory().pk), str(tmp_path / "missing"))
