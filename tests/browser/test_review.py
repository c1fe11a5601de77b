"""Privacy staff fix a reported photo in the admin, in a real browser."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from projects.models import Photo
from projects.services import photo_ingest
from reviews.models import DetectionReport
from reviews.services import detection_report_submit
from tests.anonymizer.conftest import change_in, checkerboard_jpeg
from tests.reviews.conftest import RIGHT_BOX, read

pytestmark = pytest.mark.browser


def test_staff_blur_the_reported_region_resolve_and_the_photo_is_back(
    actors, eager_celery, signed_in_page, screenshot
):
    photo, _ = photo_ingest(camera=actors.camera, content=checkerboard_jpeg(), filename="c.jpg")
    photo.refresh_from_db()
    before = read(photo.anonymized)
    report = detection_report_submit(
        photo=photo,
        kind="face_visible",
        region_xy_norm=[[0.55, 0.05], [0.95, 0.05], [0.95, 0.95], [0.55, 0.95]],
        message="Face by the crane",
        reporter_email="walker@example.org",
    )
    public_url = reverse("photo_detail", args=[photo.pk])
    assert Client().get(public_url).status_code == 404
    page = signed_in_page(actors.staff)
    page.set_viewport_size({"width": 1400, "height": 1000})

    page.goto(reverse("admin:reviews_detectionreport_changelist"))
    page.get_by_role("link", name=f"review {str(photo.pk)[:8]}").click()
    page.locator(".review-canvas image").wait_for()
    assert page.locator(".review-canvas polygon.report").count() == 1
    screenshot(page, "review-reported")
    page.get_by_role("button", name=f"Use report {report.pk}'s region").click()
    page.get_by_label("Why (kept in the photo's history)").fill("Face by the crane")
    page.get_by_role("button", name="Save and anonymize again").click()
    page.get_by_text("Saved; the photo is being anonymized again.").wait_for()

    photo.refresh_from_db()
    assert change_in(before, read(photo.anonymized), RIGHT_BOX) > 40
    assert page.locator(".review-canvas polygon.manual").count() == 1
    decision = page.locator("form.decision")
    decision.get_by_label("Correction when resolving").select_option("")
    decision.get_by_label("Answer to the reporter").fill("Thank you, the face is blurred now.")
    decision.get_by_role("button", name="Resolve").click()
    page.get_by_text(f"Report {report.pk} resolved; the reporter is emailed.").wait_for()
    screenshot(page, "review-resolved")

    report.refresh_from_db()
    photo.refresh_from_db()
    assert report.status == DetectionReport.Status.RESOLVED
    assert photo.status == Photo.Status.ANONYMIZED
    assert Client().get(public_url).status_code == 200
    assert mail.outbox[-1].to == ["walker@example.org"]
    assert "the face is blurred now" in mail.outbox[-1].body
