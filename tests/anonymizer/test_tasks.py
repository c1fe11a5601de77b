"""The anonymization pipeline with the real engine, database and (temporary) storages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anonymizer import services
from anonymizer.models import AnonymizationRun, Detection
from anonymizer.tasks import anonymize_photo, photos_requeue_stuck
from projects import selectors
from projects.models import Photo
from projects.services import (
    blur_zone_create,
    blur_zone_delete,
    blur_zone_update,
    photo_ingest,
    photo_reprocess,
)
from tests.anonymizer.conftest import change_in, checkerboard_jpeg
from tests.factories import CameraFactory, ProjectFactory
from tests.storage import stored_display, stored_originals

pytestmark = pytest.mark.django_db

LEFT_HALF = [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]
RIGHT_HALF = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]
LEFT_BOX, RIGHT_BOX = (0.05, 0.05, 0.45, 0.95), (0.55, 0.05, 0.95, 0.95)


def upload(camera, content, capture, **kwargs) -> Photo:
    """Ingest like the API does and let the queued task run (eager Celery)."""
    with capture(execute=True):
        photo, _ = photo_ingest(camera=camera, content=content, **kwargs)
    photo.refresh_from_db()
    return photo


def read(field_file) -> bytes:
    with field_file.storage.open(field_file.name, "rb") as handle:
        return handle.read()


@pytest.fixture
def camera():
    return CameraFactory(project=ProjectFactory(is_public=True))


@pytest.fixture
def keeping_camera():
    """A camera of a project that keeps originals 7 days (security)."""
    project = ProjectFactory(
        is_public=True,
        originals_enabled=True,
        originals_purpose="Site security",
        originals_retention_days=7,
    )
    return CameraFactory(project=project)


class TestAnonymizePhoto:
    def test_an_upload_is_anonymized_and_its_original_deleted_at_once(
        self, camera, astronaut_jpeg, eager_celery, django_capture_on_commit_callbacks
    ):
        photo = upload(camera, astronaut_jpeg, django_capture_on_commit_callbacks)

        assert photo.status == Photo.Status.ANONYMIZED
        assert photo.anonymized and photo.display and photo.thumbnail
        assert {photo.anonymized.name, photo.display.name, photo.thumbnail.name} <= (
            stored_display()
        )
        # No project purpose: the original is gone from storage, not only from the row.
        assert not photo.has_original
        assert stored_originals() == set()
        assert photo.work_requested_at is None and photo.processing_token is None

    def test_the_run_records_provenance_counts_timings_and_boxes(
        self, camera, astronaut_jpeg, eager_celery, django_capture_on_commit_callbacks
    ):
        photo = upload(camera, astronaut_jpeg, django_capture_on_commit_callbacks)

        run = photo.runs.get()
        assert run.outcome == AnonymizationRun.Outcome.SUCCEEDED
        assert run.source == AnonymizationRun.Source.ORIGINAL
        assert run.engine_version == run.provenance["engine_version"]
        assert {m["backend"] for m in run.provenance["models"]} >= {"ssd_site", "centerface"}
        assert all(len(m["sha256"]) == 64 for m in run.provenance["models"])
        assert run.provenance["config"]["person_score"] > 0
        assert run.counts.get("person", 0) >= 1 and run.counts.get("face", 0) >= 1
        assert {"decode", "detect_people", "redact", "encode", "storage_write"} <= set(run.timings)
        assert 0 < run.masked_share < 1
        boxes = Detection.objects.filter(run=run)
        assert boxes.count() == sum(run.counts.values())
        face = boxes.filter(label="face").first()
        # Eileen Collins' face lies around x 170..280, y 60..180 of the 512x512 photo.
        assert 150 < (face.x1 + face.x2) / 2 < 300

    def test_the_face_is_redacted_in_the_stored_image(
        self, camera, astronaut_jpeg, eager_celery, django_capture_on_commit_callbacks
    ):
        photo = upload(camera, astronaut_jpeg, django_capture_on_commit_callbacks)

        face_box = (170 / 512, 60 / 512, 280 / 512, 180 / 512)
        assert change_in(astronaut_jpeg, read(photo.anonymized), face_box) > 20

    def test_a_kept_original_is_scheduled_for_capture_time_plus_retention(
        self, keeping_camera, eager_celery, django_capture_on_commit_callbacks
    ):
        taken_at = timezone.now() - timedelta(days=1)
        photo = upload(
            keeping_camera,
            checkerboard_jpeg(),
            django_capture_on_commit_callbacks,
            taken_at=taken_at,
        )

        assert photo.status == Photo.Status.ANONYMIZED
        assert photo.has_original and photo.original.name in stored_originals()
        assert photo.original_delete_after == taken_at + timedelta(days=7)

    def test_an_original_already_past_its_retention_is_deleted_at_once(
        self, keeping_camera, eager_celery, django_capture_on_commit_callbacks
    ):
        photo = upload(
            keeping_camera,
            checkerboard_jpeg(),
            django_capture_on_commit_callbacks,
            taken_at=timezone.now() - timedelta(days=8),
        )

        assert photo.status == Photo.Status.ANONYMIZED
        assert not photo.has_original and stored_originals() == set()

    def test_a_camera_clock_in_the_future_cannot_stretch_the_retention(
        self, keeping_camera, eager_celery, django_capture_on_commit_callbacks
    ):
        photo = upload(
            keeping_camera,
            checkerboard_jpeg(),
            django_capture_on_commit_callbacks,
            taken_at=timezone.now() + timedelta(days=365),
        )

        assert photo.original_delete_after <= photo.received_at + timedelta(days=7)

    def test_running_the_task_again_changes_nothing(
        self, camera, eager_celery, django_capture_on_commit_callbacks
    ):
        photo = upload(camera, checkerboard_jpeg(), django_capture_on_commit_callbacks)
        files = {photo.anonymized.name, photo.display.name, photo.thumbnail.name}

        with django_capture_on_commit_callbacks(execute=True):
            outcome = anonymize_photo.apply(args=[str(photo.pk)]).get()

        photo.refresh_from_db()
        assert outcome == "nothing to do"
        assert photo.runs.count() == 1
        assert {photo.anonymized.name, photo.display.name, photo.thumbnail.name} == files
        assert stored_display() == files

    def test_a_deleted_photo_is_nothing_to_do(self, camera, django_capture_on_commit_callbacks):
        photo, _ = photo_ingest(camera=camera, content=checkerboard_jpeg())
        photo_id = str(photo.pk)
        photo.delete()

        assert anonymize_photo.apply(args=[photo_id]).get() == "nothing to do"


class TestFailure:
    def test_a_failing_engine_leaves_the_photo_failed_hidden_and_its_original_kept(
        self, camera, monkeypatch, eager_celery, django_capture_on_commit_callbacks, actors
    ):
        class BrokenEngine:
            def anonymize(self, *args, **kwargs):
                raise RuntimeError("the face model crashed")

        monkeypatch.setattr(services, "engine_get", BrokenEngine)

        photo = upload(actors.camera, checkerboard_jpeg(), django_capture_on_commit_callbacks)

        assert photo.status == Photo.Status.FAILED
        assert "the face model crashed" in photo.error
        assert not photo.anonymized and stored_display() == set()
        assert photo.has_original and photo.original.name in stored_originals()
        assert photo.runs.get().outcome == AnonymizationRun.Outcome.FAILED
        # Fail closed: the public (and its project's viewers' image views) never get it.
        assert not selectors.photos_visible_to(actors.anonymous).filter(pk=photo.pk).exists()

    def test_storage_errors_are_retried_and_the_photo_then_completes(
        self, camera, monkeypatch, eager_celery, django_capture_on_commit_callbacks
    ):
        real_read, calls = services._read, []

        def flaky_read(field_file):
            calls.append(field_file.name)
            if len(calls) <= 2:
                raise ConnectionError("storage unreachable")
            return real_read(field_file)

        monkeypatch.setattr(services, "_read", flaky_read)

        photo = upload(camera, checkerboard_jpeg(), django_capture_on_commit_callbacks)

        assert len(calls) == 3
        assert photo.status == Photo.Status.ANONYMIZED
        assert photo.runs.get().attempt == 3

    def test_after_the_last_retry_the_photo_is_failed_with_the_error(
        self, camera, monkeypatch, eager_celery, django_capture_on_commit_callbacks
    ):
        def unreachable(field_file):
            raise OSError("connection refused")

        monkeypatch.setattr(services, "_read", unreachable)

        photo = upload(camera, checkerboard_jpeg(), django_capture_on_commit_callbacks)

        assert photo.status == Photo.Status.FAILED
        assert "Gave up after" in photo.error and "connection refused" in photo.error
        assert photo.has_original

    def test_a_photo_that_keeps_killing_its_worker_ends_failed(
        self, camera, settings, django_capture_on_commit_callbacks
    ):
        photo, _ = photo_ingest(camera=camera, content=checkerboard_jpeg())
        Photo.objects.filter(pk=photo.pk).update(attempts=settings.PHOTO_MAX_ATTEMPTS)

        assert services.photo_anonymize(photo_id=photo.pk) is None

        photo.refresh_from_db()
        assert photo.status == Photo.Status.FAILED
        assert "Gave up" in photo.error

    def test_reprocessing_a_failed_photo_anonymizes_it(
        self, camera, monkeypatch, eager_celery, django_capture_on_commit_callbacks
    ):
        monkeypatch.setattr(services, "_read", lambda f: (_ for _ in ()).throw(OSError("down")))
        photo = upload(camera, checkerboard_jpeg(), django_capture_on_commit_callbacks)
        assert photo.status == Photo.Status.FAILED
        monkeypatch.undo()

        with django_capture_on_commit_callbacks(execute=True):
            photo_reprocess(photo=photo)

        photo.refresh_from_db()
        assert photo.status == Photo.Status.ANONYMIZED and photo.error == ""


class TestConcurrentRuns:
    def test_a_run_overtaken_by_another_discards_its_output(
        self, camera, django_capture_on_commit_callbacks
    ):
        photo, _ = photo_ingest(camera=camera, content=checkerboard_jpeg())
        first_claim = services._photo_claim(photo.pk)
        # Its worker is thought lost: the sweep queues the photo again and a second run claims it.
        with django_capture_on_commit_callbacks(execute=True):
            second = services.photo_anonymize(photo_id=photo.pk)
        photo.refresh_from_db()
        winner_files = {photo.anonymized.name, photo.display.name, photo.thumbnail.name}

        result = services.engine_get().anonymize(checkerboard_jpeg())
        names = services._store(result)
        with django_capture_on_commit_callbacks(execute=True):
            late = services._photo_finish(
                first_claim,
                result,
                names,
                source="original",
                zones_count=0,
                regions_count=0,
                worker="late",
            )

        photo.refresh_from_db()
        assert second.outcome == AnonymizationRun.Outcome.SUCCEEDED
        assert late.outcome == AnonymizationRun.Outcome.SUPERSEDED
        assert {photo.anonymized.name, photo.display.name, photo.thumbnail.name} == winner_files
        assert stored_display() == winner_files


class TestSweep:
    def test_a_photo_whose_worker_died_is_queued_again(self, camera, settings, monkeypatch):
        photo, _ = photo_ingest(camera=camera, content=checkerboard_jpeg())
        services._photo_claim(photo.pk)  # the worker claims it, then dies
        sent = []
        monkeypatch.setattr(anonymize_photo, "apply_async", lambda args, **kw: sent.append(args))
        long_ago = timezone.now() - timedelta(seconds=settings.PHOTO_STUCK_SECONDS + 1)
        Photo.objects.filter(pk=photo.pk).update(processing_started_at=long_ago)

        counts = photos_requeue_stuck.apply().get()

        photo.refresh_from_db()
        assert counts == {"requeued": 1, "failed": 0}
        assert sent == [(str(photo.pk),)]
        assert photo.processing_token is None and photo.queued_at is not None
        # Queued again, it is not counted as stuck on the next sweep.
        assert photos_requeue_stuck.apply().get() == {"requeued": 0, "failed": 0}

    def test_a_photo_the_broker_never_got_is_queued(self, camera, monkeypatch):
        photo, _ = photo_ingest(camera=camera, content=checkerboard_jpeg())  # no commit: not sent
        Photo.objects.filter(pk=photo.pk).update(
            work_requested_at=timezone.now() - timedelta(minutes=5)
        )
        sent = []
        monkeypatch.setattr(anonymize_photo, "apply_async", lambda args, **kw: sent.append(args))

        assert photos_requeue_stuck.apply().get()["requeued"] == 1
        assert sent == [(str(photo.pk),)]

    def test_photos_waiting_in_the_queue_or_running_are_left_alone(self, camera, monkeypatch):
        queued, _ = photo_ingest(camera=camera, content=checkerboard_jpeg(seed=1))
        Photo.objects.filter(pk=queued.pk).update(queued_at=timezone.now())
        running, _ = photo_ingest(camera=camera, content=checkerboard_jpeg(seed=2))
        services._photo_claim(running.pk)
        monkeypatch.setattr(anonymize_photo, "apply_async", lambda *a, **kw: pytest.fail("sent"))

        assert photos_requeue_stuck.apply().get() == {"requeued": 0, "failed": 0}

    def test_a_photo_stuck_too_often_is_failed(self, camera, settings):
        photo, _ = photo_ingest(camera=camera, content=checkerboard_jpeg())
        long_ago = timezone.now() - timedelta(seconds=settings.PHOTO_STUCK_SECONDS + 1)
        Photo.objects.filter(pk=photo.pk).update(
            processing_started_at=long_ago, attempts=settings.PHOTO_MAX_ATTEMPTS
        )

        assert photos_requeue_stuck.apply().get() == {"requeued": 0, "failed": 1}
        photo.refresh_from_db()
        assert photo.status == Photo.Status.FAILED

    def test_a_broker_down_at_upload_loses_nothing(
        self, camera, monkeypatch, django_capture_on_commit_callbacks
    ):
        def broker_down(*args, **kwargs):
            raise ConnectionRefusedError("broker down")

        monkeypatch.setattr(anonymize_photo, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            photo, created = photo_ingest(camera=camera, content=checkerboard_jpeg())

        photo.refresh_from_db()
        assert created and photo.status == Photo.Status.PENDING
        assert photo.queued_at is None and photo.original.name in stored_originals()


class TestBlurZoneChanges:
    def test_a_new_zone_is_applied_from_the_original_where_it_is_kept(
        self, keeping_camera, eager_celery, django_capture_on_commit_callbacks
    ):
        content = checkerboard_jpeg()
        photo = upload(
            keeping_camera, content, django_capture_on_commit_callbacks, taken_at=timezone.now()
        )
        assert change_in(content, read(photo.anonymized), LEFT_BOX) < 25

        with django_capture_on_commit_callbacks(execute=True):
            blur_zone_create(camera=keeping_camera, polygon_xy_norm=LEFT_HALF)

        photo.refresh_from_db()
        run = photo.runs.order_by("-started_at").first()
        assert run.source == AnonymizationRun.Source.ORIGINAL and run.zones_count == 1
        assert change_in(content, read(photo.anonymized), LEFT_BOX) > 60
        assert change_in(content, read(photo.anonymized), RIGHT_BOX) < 25

    def test_a_new_zone_is_added_on_top_where_the_original_is_gone(
        self, camera, eager_celery, django_capture_on_commit_callbacks
    ):
        content = checkerboard_jpeg()
        photo = upload(camera, content, django_capture_on_commit_callbacks)
        assert not photo.has_original

        with django_capture_on_commit_callbacks(execute=True):
            blur_zone_create(camera=camera, polygon_xy_norm=LEFT_HALF)

        photo.refresh_from_db()
        run = photo.runs.order_by("-started_at").first()
        assert run.source == AnonymizationRun.Source.ANONYMIZED
        assert photo.status == Photo.Status.ANONYMIZED
        assert change_in(content, read(photo.anonymized), LEFT_BOX) > 60
        assert change_in(content, read(photo.anonymized), RIGHT_BOX) < 25

    def test_a_removed_zone_comes_back_only_where_the_original_exists(
        self, camera, keeping_camera, eager_celery, django_capture_on_commit_callbacks
    ):
        content = checkerboard_jpeg()
        zones = []
        with django_capture_on_commit_callbacks(execute=True):
            for cam in (camera, keeping_camera):
                zones.append(blur_zone_create(camera=cam, polygon_xy_norm=LEFT_HALF))
        gone = upload(camera, content, django_capture_on_commit_callbacks)
        kept = upload(
            keeping_camera, content, django_capture_on_commit_callbacks, taken_at=timezone.now()
        )
        runs_before = gone.runs.count()

        with django_capture_on_commit_callbacks(execute=True):
            for zone in zones:
                blur_zone_delete(zone=zone)

        gone.refresh_from_db()
        kept.refresh_from_db()
        assert change_in(content, read(kept.anonymized), LEFT_BOX) < 25
        # Without its original the photo keeps the zone's redaction: nothing can undo it.
        assert gone.runs.count() == runs_before
        assert change_in(content, read(gone.anonymized), LEFT_BOX) > 60

    def test_moving_a_zone_redoes_photos_and_renaming_does_not(
        self, keeping_camera, eager_celery, django_capture_on_commit_callbacks
    ):
        content = checkerboard_jpeg()
        with django_capture_on_commit_callbacks(execute=True):
            zone = blur_zone_create(camera=keeping_camera, polygon_xy_norm=LEFT_HALF)
        photo = upload(
            keeping_camera, content, django_capture_on_commit_callbacks, taken_at=timezone.now()
        )

        with django_capture_on_commit_callbacks(execute=True):
            blur_zone_update(zone=zone, label="Road")
        assert photo.runs.count() == 1

        with django_capture_on_commit_callbacks(execute=True):
            blur_zone_update(zone=zone, polygon_xy_norm=RIGHT_HALF)
        photo.refresh_from_db()
        assert photo.runs.count() == 2
        assert change_in(content, read(photo.anonymized), LEFT_BOX) < 25
        assert change_in(content, read(photo.anonymized), RIGHT_BOX) > 60

    def test_a_manual_region_is_redacted(
        self, camera, eager_celery, django_capture_on_commit_callbacks
    ):
        content = checkerboard_jpeg()
        photo = upload(camera, content, django_capture_on_commit_callbacks)
        photo.manual_regions.create(polygon_xy_norm=RIGHT_HALF, reason="worker behind the fence")

        with django_capture_on_commit_callbacks(execute=True):
            photo_reprocess(photo=photo)

        photo.refresh_from_db()
        assert photo.runs.order_by("-started_at").first().manual_regions_count == 1
        assert change_in(content, read(photo.anonymized), RIGHT_BOX) > 60


def test_a_message_lost_by_the_broker_is_sent_again_after_a_day(monkeypatch):
    photo, _ = photo_ingest(camera=CameraFactory(), content=checkerboard_jpeg())
    Photo.objects.filter(pk=photo.pk).update(queued_at=timezone.now() - timedelta(hours=25))
    sent = []
    monkeypatch.setattr(anonymize_photo, "apply_async", lambda args, **kw: sent.append(args))

    assert photos_requeue_stuck.apply().get()["requeued"] == 1
    assert sent == [(str(photo.pk),)]
