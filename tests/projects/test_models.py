"""Model validation: what the admin, services and the database refuse."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import Photo, Project
from projects.services import photo_ingest
from tests.factories import BlurZoneFactory, CameraFactory, ProjectFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


class TestProjectRetention:
    @pytest.mark.parametrize("days", [1, 7, 30])
    def test_retention_from_one_to_thirty_days_is_accepted(self, days):
        project = ProjectFactory.build(
            customer=ProjectFactory().customer, originals_retention_days=days
        )
        project.full_clean()

    @pytest.mark.parametrize("days", [0, 31, 365])
    def test_retention_outside_one_to_thirty_days_is_rejected(self, days):
        project = ProjectFactory(originals_retention_days=7)
        project.originals_retention_days = days

        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "originals_retention_days" in error.value.message_dict

    def test_the_database_refuses_more_than_thirty_days_even_past_validation(self):
        project = ProjectFactory()

        with pytest.raises(IntegrityError), transaction.atomic():
            Project.objects.filter(pk=project.pk).update(originals_retention_days=31)

    def test_originals_cannot_be_enabled_without_a_recorded_purpose(self):
        project = ProjectFactory()
        project.originals_enabled = True

        with pytest.raises(ValidationError) as error:
            project.full_clean()
        assert "originals_purpose" in error.value.message_dict
        with pytest.raises(IntegrityError), transaction.atomic():
            project.save()

    def test_originals_with_a_purpose_are_accepted(self):
        project = ProjectFactory()
        project.originals_enabled = True
        project.originals_purpose = "Security of the site at night"

        project.full_clean()
        project.save()


class TestBlurZonePolygon:
    @pytest.mark.parametrize(
        "polygon",
        [
            [[0, 0], [1, 0], [0, 1]],
            [[0.1, 0.1], [0.9, 0.15], [0.8, 0.9], [0.2, 0.7]],
            [[0, 0.8], [1, 0.8], [1, 1], [0, 1]],
        ],
    )
    def test_a_simple_polygon_inside_the_frame_is_accepted(self, polygon):
        BlurZoneFactory.build(camera=CameraFactory(), polygon_xy_norm=polygon).full_clean()

    @pytest.mark.parametrize(
        ("polygon", "message"),
        [
            ([[0, 0], [1, 1]], "at least 3 points"),
            ([], "cannot be blank"),
            ([[0, 0], [1.2, 0], [0, 1]], "outside the frame"),
            ([[0, 0], [0.5, -0.1], [0, 1]], "outside the frame"),
            ([[0, 0], [1, 1], [1, 0], [0, 0.5]], "edges cross"),  # a bow tie
            ([[0, 0], [0.5, 0.5], [1, 1]], "no area"),  # collinear
            ([[0, 0], [0, 0], [0, 0], [1, 1]], "3 distinct points"),
            ([[0, 0], [1, "a"], [0, 1]], "pair of numbers"),
            ([[0, 0], [1, float("nan")], [0, 1]], "pair of numbers"),
            ([[0, 0], [True, 0], [0, 1]], "pair of numbers"),
            ([[0, 0, 0], [1, 0, 0], [0, 1, 0]], "pair of numbers"),
            ({"x": 1}, "list of [x, y] points"),
            ([[0, 0], [1, 0]] + [[1, i / 300] for i in range(1, 300)], "at most 200 points"),
        ],
    )
    def test_a_bad_polygon_is_rejected_with_a_clear_message(self, polygon, message):
        zone = BlurZoneFactory.build(camera=CameraFactory(), polygon_xy_norm=polygon)

        with pytest.raises(ValidationError) as error:
            zone.full_clean()
        assert message in " ".join(error.value.message_dict["polygon_xy_norm"])


def test_camera_time_zone_must_be_a_real_one():
    camera = CameraFactory.build(project=ProjectFactory(), timezone="Mars/Olympus_Mons")

    with pytest.raises(ValidationError) as error:
        camera.full_clean()
    assert "timezone" in error.value.message_dict


class TestPhoto:
    def test_a_photo_cannot_be_marked_anonymized_without_its_anonymized_image(self):
        photo, _ = photo_ingest(camera=CameraFactory(), content=image_bytes())

        with pytest.raises(IntegrityError), transaction.atomic():
            Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.ANONYMIZED)

    def test_photo_ids_are_random_not_sequential(self):
        camera = CameraFactory()
        first, _ = photo_ingest(camera=camera, content=image_bytes(color=(1, 2, 3)))
        second, _ = photo_ingest(camera=camera, content=image_bytes(color=(4, 5, 6)))

        assert first.pk.version == 4
        assert first.pk != second.pk
        assert str(first.pk)[:8] != str(second.pk)[:8]

    def test_original_storage_keys_reveal_nothing(self):
        camera = CameraFactory(name="Gate", slug="gate")
        photo, _ = photo_ingest(camera=camera, content=image_bytes(), filename="gate-2026.jpg")

        key = photo.original.name
        assert "gate" not in key
        assert str(photo.pk) not in key
        assert len(key.split("/")[-1]) >= 32
