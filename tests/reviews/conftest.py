"""Shared set-up for the report loop: a public photo anonymized for real, and reports on it."""

import pytest

from projects.models import Photo
from projects.services import photo_ingest
from reviews.services import detection_report_submit
from tests.anonymizer.conftest import checkerboard_jpeg

RIGHT_HALF = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]
RIGHT_BOX = (0.55, 0.05, 0.95, 0.95)


@pytest.fixture
def public_photo(actors, eager_celery, django_capture_on_commit_callbacks):
    """A public photo anonymized by the real pipeline (its original then deleted)."""
    with django_capture_on_commit_callbacks(execute=True):
        photo, _ = photo_ingest(camera=actors.camera, content=checkerboard_jpeg(), filename="c.jpg")
    photo.refresh_from_db()
    assert photo.status == Photo.Status.ANONYMIZED and not photo.has_original
    return photo


def submit(photo, capture, **fields):
    values = {
        "kind": "person_visible",
        "region_xy_norm": RIGHT_HALF,
        "reporter_email": "walker@example.org",
    }
    values.update(fields)
    with capture(execute=True):
        return detection_report_submit(photo=photo, **values)


def read(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()
