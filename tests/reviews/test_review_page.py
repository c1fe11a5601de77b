"""The staff's photo review page: see the reports and detections, correct the blur, decide.

Each correction goes through the real pipeline; the checks are on the
published pixels. A "false detection" is made by replacing the detectors'
output with one box (the engine then redacts it like any person).
"""

import json
from zoneinfo import ZoneInfo

import imageio_ffmpeg
import numpy as np
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from anonymizer.engine.boxes import Detections
from projects.models import ManualRegion, Photo, TimelapseExport
from projects.services import photo_ingest, project_originals_enable, timelapse_export_request
from reviews.models import DetectionReport
from reviews.services import photo_correction_add, photo_correction_remove
from tests.anonymizer.conftest import change_in, checkerboard_jpeg
from tests.reviews.conftest import RIGHT_BOX, RIGHT_HALF, read, submit

pytestmark = pytest.mark.django_db

LEFT_BOX = (0.05, 0.05, 0.45, 0.95)
# A box the "detector" finds on the right half of the 320 x 240 checkerboard.
FALSE_PERSON = (176, 30, 304, 210)
# The kept photo's original (not public_photo's bytes: the upload would be a duplicate).
SOURCE = checkerboard_jpeg(seed=5)


@pytest.fixture
def false_person(monkeypatch):
    """The detectors find one 'person' on the right half, whatever the photo shows."""

    def detect_all(image, config):
        return Detections.from_lists([FALSE_PERSON], [0.9], "person"), {"detect_people": 0.0}

    monkeypatch.setattr("anonymizer.engine.pipeline.detect_all", detect_all)


@pytest.fixture
def kept_photo(actors, eager_celery, false_person, django_capture_on_commit_callbacks):
    """A public photo whose original is kept (security), blurred where the detector erred."""
    project_originals_enable(
        project=actors.public_project, by=actors.owner, purpose="Site security", retention_days=7
    )
    with django_capture_on_commit_callbacks(execute=True):
        photo, _ = photo_ingest(camera=actors.camera, content=SOURCE, filename="k.jpg")
    photo.refresh_from_db()
    assert photo.status == Photo.Status.ANONYMIZED and photo.has_original
    assert change_in(SOURCE, read(photo.anonymized), RIGHT_BOX) > 40
    return photo


def review_url(photo):
    return reverse("admin:reviews_photo_review", args=[photo.pk])


def post(client, photo, capture, **data):
    with capture(execute=True):
        return client.post(review_url(photo), data, follow=True)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_page_shows_the_reported_region_and_the_detections(
    actors, kept_photo, django_capture_on_commit_callbacks
):
    submit(kept_photo, django_capture_on_commit_callbacks, kind="wrongly_blurred")

    page = actors.client(actors.staff).get(review_url(kept_photo))

    assert page.status_code == 200
    text = page.text
    assert 'class="det det-person"' in text and "person 0.90" in text
    # The detector's box, in the 1000-unit canvas: x 176/320 = 550, y 30/240 * 750 = 93.8.
    assert "550.0,93.8" in text
    assert 'class="report"' in text and "500.0,0.0 1000.0,0.0" in text
    image = actors.client(actors.staff).get(
        reverse("admin:reviews_photo_image", args=[kept_photo.pk])
    )
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_the_report_page_shows_the_photo_with_its_region(
    actors, kept_photo, django_capture_on_commit_callbacks
):
    report = submit(kept_photo, django_capture_on_commit_callbacks)

    page = actors.client(actors.staff).get(
        reverse("admin:reviews_detectionreport_change", args=[report.pk])
    )

    assert 'class="report highlight"' in page.text and review_url(kept_photo) in page.text


def test_staff_blur_a_region_they_draw(actors, public_photo, django_capture_on_commit_callbacks):
    before = read(public_photo.anonymized)
    submit(public_photo, django_capture_on_commit_callbacks, kind="other")  # stays public
    staff = actors.client(actors.staff)

    response = post(
        staff,
        public_photo,
        django_capture_on_commit_callbacks,
        op="correct",
        action="redact",
        polygon=json.dumps(RIGHT_HALF),
        reason="Worker behind the fence",
    )

    public_photo.refresh_from_db()
    after = read(public_photo.anonymized)
    assert "Saved; the photo is being anonymized again." in page_messages(response)
    assert change_in(before, after, RIGHT_BOX) > 40  # the region's detail is gone
    assert change_in(before, after, LEFT_BOX) < 8  # the rest is as it was
    assert change_in(read_thumbnail(public_photo), after, RIGHT_BOX) < 25  # thumbnail too
    region = public_photo.manual_regions.get()
    assert (region.action, region.created_by) == (ManualRegion.Action.REDACT, actors.staff)
    assert list(public_photo.reports.values_list("status", "handled_by")) == [
        (DetectionReport.Status.IN_PROGRESS, actors.staff.pk)
    ]
    event = public_photo.events.get(action="blur added")
    assert event.actor == actors.staff and "Worker behind the fence" in event.detail


def read_thumbnail(photo) -> bytes:
    """The thumbnail scaled back to the photo's size, to compare with the full image."""
    import io

    from PIL import Image

    small = Image.open(io.BytesIO(read(photo.thumbnail))).resize((photo.width, photo.height))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def test_removing_a_wrong_automatic_blur_brings_the_detail_back(
    actors, kept_photo, django_capture_on_commit_callbacks
):
    staff = actors.client(actors.staff)

    response = post(
        staff,
        kept_photo,
        django_capture_on_commit_callbacks,
        op="correct",
        action="keep_clear",
        polygon=json.dumps(RIGHT_HALF),
        reason="A stack of pallets, not a person",
    )

    kept_photo.refresh_from_db()
    assert "Saved; the photo is being anonymized again." in page_messages(response)
    assert (
        change_in(SOURCE, read(kept_photo.anonymized), RIGHT_BOX) < 15
    )  # only JPEG re-encoding left
    run = kept_photo.runs.first()
    assert run.source == "original" and run.counts == {"cleared_by_staff": 1}
    event = kept_photo.events.get(action="automatic blur removed")
    assert event.actor == actors.staff and "pallets" in event.detail


def test_a_keep_clear_region_spares_only_detections_mostly_inside_it(
    actors, kept_photo, django_capture_on_commit_callbacks
):
    # A region over the box's left quarter only: the person stays blurred.
    with django_capture_on_commit_callbacks(execute=True):
        photo_correction_add(
            photo=kept_photo,
            action="keep_clear",
            polygon_xy_norm=[[0.5, 0], [0.65, 0], [0.65, 1], [0.5, 1]],
            reason="Too wide",
            by=actors.staff,
        )

    kept_photo.refresh_from_db()
    assert change_in(SOURCE, read(kept_photo.anonymized), RIGHT_BOX) > 40


def test_removing_a_blur_without_the_original_is_refused(
    actors, public_photo, django_capture_on_commit_callbacks
):
    before = public_photo.anonymized.name

    response = post(
        actors.client(actors.staff),
        public_photo,
        django_capture_on_commit_callbacks,
        op="correct",
        action="keep_clear",
        polygon=json.dumps(RIGHT_HALF),
        reason="Not a person",
    )

    public_photo.refresh_from_db()
    assert any("needs the original" in m for m in page_messages(response))
    assert not public_photo.manual_regions.exists() and public_photo.work_requested_at is None
    assert public_photo.anonymized.name == before and not public_photo.events.exists()


def test_undoing_a_blur_needs_the_original(
    actors, public_photo, kept_photo, django_capture_on_commit_callbacks
):
    for photo in (public_photo, kept_photo):
        with django_capture_on_commit_callbacks(execute=True):
            photo_correction_add(
                photo=photo,
                action="redact",
                polygon_xy_norm=[[0, 0], [0.4, 0], [0.4, 1], [0, 1]],
                reason="Window",
                by=actors.staff,
            )
    staff = actors.client(actors.staff)

    refused = post(
        staff,
        public_photo,
        django_capture_on_commit_callbacks,
        op="undo",
        region=public_photo.manual_regions.get().pk,
        reason="Wrong window",
    )
    undone = post(
        staff,
        kept_photo,
        django_capture_on_commit_callbacks,
        op="undo",
        region=kept_photo.manual_regions.get().pk,
        reason="Wrong window",
    )

    assert any("needs the original" in m for m in page_messages(refused))
    assert public_photo.manual_regions.count() == 1
    assert "Correction undone; the photo is anonymized again." in page_messages(undone)
    kept_photo.refresh_from_db()
    assert not kept_photo.manual_regions.exists()
    assert change_in(SOURCE, read(kept_photo.anonymized), LEFT_BOX) < 15
    assert kept_photo.events.filter(action="correction undone", actor=actors.staff).exists()


def test_a_correction_needs_a_region_and_a_reason(
    actors, public_photo, django_capture_on_commit_callbacks
):
    staff = actors.client(actors.staff)

    no_region = post(
        staff, public_photo, django_capture_on_commit_callbacks, op="correct", action="redact",
        reason="x",
    )  # fmt: skip
    outside = post(
        staff, public_photo, django_capture_on_commit_callbacks, op="correct", action="redact",
        polygon=json.dumps([[0, 0], [1.5, 0], [1, 1]]), reason="x",
    )  # fmt: skip
    no_reason = post(
        staff, public_photo, django_capture_on_commit_callbacks, op="correct", action="redact",
        polygon=json.dumps(RIGHT_HALF), reason="",
    )  # fmt: skip

    assert any("Draw the region on the photo first." in m for m in page_messages(no_region))
    assert any("Polygon:" in m for m in page_messages(outside))
    assert any("Reason:" in m for m in page_messages(no_reason))
    assert not public_photo.manual_regions.exists()


def test_staff_anonymize_again_from_the_page(
    actors, public_photo, django_capture_on_commit_callbacks
):
    # A region recorded without a new run (as by an import): "anonymize again" applies it.
    ManualRegion.objects.create(
        photo=public_photo, polygon_xy_norm=RIGHT_HALF, reason="x", created_by=actors.staff
    )
    before = read(public_photo.anonymized)

    response = post(
        actors.client(actors.staff),
        public_photo,
        django_capture_on_commit_callbacks,
        op="reprocess",
    )

    public_photo.refresh_from_db()
    assert "The photo is being anonymized again." in page_messages(response)
    assert change_in(before, read(public_photo.anonymized), RIGHT_BOX) > 40
    event = public_photo.events.get(action="reprocess requested")
    assert event.actor == actors.staff and event.detail == "on top of the anonymized image"


def test_resolving_a_wrong_blur_report_unblurs_it_and_answers_the_reporter(
    actors, kept_photo, django_capture_on_commit_callbacks
):
    report = submit(kept_photo, django_capture_on_commit_callbacks, kind="wrongly_blurred")
    page = actors.client(actors.staff).get(review_url(kept_photo))
    assert '<option value="keep_clear" selected>' in page.text  # suggested for this kind
    mail.outbox.clear()

    post(
        actors.client(actors.staff),
        kept_photo,
        django_capture_on_commit_callbacks,
        op="decide",
        report=report.pk,
        decision="resolve",
        correction="keep_clear",
        message="Unblurred: it was a pallet.",
    )

    report.refresh_from_db()
    kept_photo.refresh_from_db()
    assert report.status == DetectionReport.Status.RESOLVED and report.handled_by == actors.staff
    assert (
        change_in(SOURCE, read(kept_photo.anonymized), RIGHT_BOX) < 15
    )  # only JPEG re-encoding left
    assert [m.to for m in mail.outbox] == [["walker@example.org"]]
    assert "it was a pallet" in mail.outbox[0].body
    assert f"/photos/{kept_photo.pk}/" in mail.outbox[0].body


def test_the_whole_loop_from_a_public_report_to_the_corrected_photo(
    actors, public_photo, django_capture_on_commit_callbacks, settings
):
    """Report, quarantine, staff blur the region and resolve, the photo is back corrected."""
    settings.REVIEWS_STAFF_EMAIL = "privacy-team@platform.example"
    public_url = reverse("photo_image", args=[public_photo.pk, "display"])
    before = Client().get(public_url)
    before_bytes = b"".join(before.streaming_content)
    mail.outbox.clear()

    report = submit(public_photo, django_capture_on_commit_callbacks, message="Face at the gate")
    hidden = Client().get(public_url).status_code
    staff_mail = mail.outbox[-1]
    post(
        actors.client(actors.staff),
        public_photo,
        django_capture_on_commit_callbacks,
        op="decide",
        report=report.pk,
        decision="resolve",
        correction="redact",
        message="We blurred the person.",
    )
    after = Client().get(public_url)

    assert hidden == 404
    assert staff_mail.to == ["privacy-team@platform.example"]
    assert f"/admin/reviews/detectionreport/photo/{public_photo.pk}/" in staff_mail.body
    assert after.status_code == 200
    after_bytes = b"".join(after.streaming_content)
    assert change_in(before_bytes, after_bytes, RIGHT_BOX) > 40
    assert change_in(before_bytes, after_bytes, LEFT_BOX) < 15
    assert mail.outbox[-1].to == ["walker@example.org"]
    assert "We blurred the person." in mail.outbox[-1].body
    actions = list(public_photo.events.order_by("at").values_list("action", flat=True))
    assert actions == ["quarantined", "blur added", "report resolved"]


def test_quarantine_moves_the_images_to_new_keys(
    actors, public_photo, django_capture_on_commit_callbacks
):
    old = {f: getattr(public_photo, f).name for f in ("anonymized", "display", "thumbnail")}
    content = read(public_photo.display)

    submit(public_photo, django_capture_on_commit_callbacks)

    public_photo.refresh_from_db()
    storage = public_photo.display.storage
    for field_name, name in old.items():
        assert getattr(public_photo, field_name).name != name
        assert not storage.exists(name)  # a URL signed for the old key leads nowhere
    assert read(public_photo.display) == content  # members still see the same image


def test_public_images_are_cached_briefly(actors, public_photo, settings):
    settings.PUBLIC_IMAGE_MAX_AGE_SECONDS = 45

    response = Client().get(reverse("photo_image", args=[public_photo.pk, "display"]))

    assert response["Cache-Control"] == "public, max-age=45"


@pytest.mark.parametrize("who", ["owner", "viewer", "anonymous"])
def test_only_staff_reach_the_review_page(actors, public_photo, who):
    client = actors.client(getattr(actors, who))

    assert client.get(review_url(public_photo)).status_code == 302  # to the admin login
    response = client.post(review_url(public_photo), {"op": "reprocess"})
    assert response.status_code == 302 and public_photo.runs.count() == 1


def test_staff_without_the_right_cannot_correct(actors, public_photo):
    from tests.factories import UserFactory

    clerk = UserFactory(email="clerk@platform.example", is_staff=True)

    assert actors.client(clerk).get(review_url(public_photo)).status_code == 403
    response = actors.client(clerk).post(
        review_url(public_photo),
        {"op": "correct", "action": "redact", "polygon": json.dumps(RIGHT_HALF), "reason": "x"},
    )
    assert response.status_code == 403 and not public_photo.manual_regions.exists()


def test_the_service_refuses_to_undo_without_the_original(actors, public_photo):
    region = ManualRegion.objects.create(
        photo=public_photo, polygon_xy_norm=RIGHT_HALF, reason="x", created_by=actors.staff
    )

    with pytest.raises(ValidationError, match="needs the original"):
        photo_correction_remove(region=region, by=actors.staff, reason="undo")
    assert ManualRegion.objects.filter(pk=region.pk).exists()


def test_a_correction_remakes_the_timelapse_videos_holding_the_photo(
    actors, public_photo, django_capture_on_commit_callbacks
):
    day = timezone.localtime(public_photo.taken_at, ZoneInfo(actors.camera.timezone)).date()
    with django_capture_on_commit_callbacks(execute=True):
        timelapse_export_request(camera=actors.camera, by=actors.owner, date_from=day, date_to=day)
    export = TimelapseExport.objects.get()
    assert export.status == TimelapseExport.Status.DONE

    def frame(path):
        reader = imageio_ffmpeg.read_frames(path)
        meta = next(reader)
        width, height = meta["size"]
        first = next(reader)
        reader.close()
        return first, width, height

    before, width, height = frame(export.file.path)
    post(
        actors.client(actors.staff),
        public_photo,
        django_capture_on_commit_callbacks,
        op="correct",
        action="redact",
        polygon=json.dumps(RIGHT_HALF),
        reason="Worker",
    )

    export.refresh_from_db()
    after, _, _ = frame(export.file.path)
    assert export.status == TimelapseExport.Status.DONE
    a = np.frombuffer(before, np.uint8).reshape(height, width, 3).astype(int)
    b = np.frombuffer(after, np.uint8).reshape(height, width, 3).astype(int)
    right = (slice(int(0.1 * height), int(0.9 * height)), slice(int(0.6 * width), int(0.9 * width)))
    left = (slice(int(0.1 * height), int(0.9 * height)), slice(int(0.1 * width), int(0.4 * width)))
    assert np.abs(a[right] - b[right]).mean() > 40  # the video shows the new blur
    assert np.abs(a[left] - b[left]).mean() < 15
