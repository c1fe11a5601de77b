"""The report loop: quarantine, staff correction, release, emails."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from projects.models import Photo
from reviews.models import DetectionReport
from reviews.services import (
    detection_report_reject,
    detection_report_resolve,
)
from tests.anonymizer.conftest import change_in
from tests.reviews.conftest import RIGHT_BOX, read, submit

pytestmark = pytest.mark.django_db


def test_staff_are_emailed_once_about_a_new_report(
    public_photo, django_capture_on_commit_callbacks, settings
):
    settings.REVIEWS_STAFF_EMAIL = "privacy-team@platform.example"
    mail.outbox.clear()

    submit(public_photo, django_capture_on_commit_callbacks, message="Face by the gate")

    assert [m.to for m in mail.outbox] == [["privacy-team@platform.example"]]
    assert "A person is visible" in mail.outbox[0].subject + mail.outbox[0].body
    assert "hidden from the public: yes" in mail.outbox[0].body


def test_resolving_redacts_the_region_and_brings_the_photo_back(
    actors, public_photo, django_capture_on_commit_callbacks
):
    before = read(public_photo.anonymized)
    report = submit(public_photo, django_capture_on_commit_callbacks)
    public_photo.refresh_from_db()
    assert public_photo.status == Photo.Status.QUARANTINED
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        detection_report_resolve(report=report, by=actors.staff, resolution="Blurred the worker.")

    public_photo.refresh_from_db()
    assert public_photo.status == Photo.Status.ANONYMIZED
    # No original left: the region was redacted on top of the anonymized image.
    assert change_in(before, read(public_photo.anonymized), RIGHT_BOX) > 60
    assert public_photo.manual_regions.get().created_by == actors.staff
    assert (
        Client().get(reverse("photo_image", args=[public_photo.pk, "display"])).status_code == 200
    )
    assert [m.to for m in mail.outbox] == [["walker@example.org"]]
    assert "Blurred the worker." in mail.outbox[0].body and "corrected" in mail.outbox[0].body


def test_a_photo_stays_hidden_while_another_identifying_report_is_open(
    actors, public_photo, django_capture_on_commit_callbacks
):
    first = submit(public_photo, django_capture_on_commit_callbacks)
    submit(public_photo, django_capture_on_commit_callbacks, kind="face_visible")

    with django_capture_on_commit_callbacks(execute=True):
        detection_report_resolve(report=first, by=actors.staff, resolution="Done.")

    public_photo.refresh_from_db()
    assert public_photo.status == Photo.Status.QUARANTINED


def test_rejecting_shows_the_photo_again_and_answers_the_reporter(
    actors, public_photo, django_capture_on_commit_callbacks
):
    report = submit(public_photo, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        detection_report_reject(report=report, by=actors.staff, message="That is a mannequin.")

    public_photo.refresh_from_db()
    report.refresh_from_db()
    assert public_photo.status == Photo.Status.ANONYMIZED
    assert (report.status, report.handled_by) == (DetectionReport.Status.REJECTED, actors.staff)
    assert [m.to for m in mail.outbox] == [["walker@example.org"]]
    assert "mannequin" in mail.outbox[0].body


def test_a_rejection_needs_a_message(actors, public_photo, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    report = submit(public_photo, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError):
        detection_report_reject(report=report, by=actors.staff, message="  ")


def test_staff_resolve_in_the_admin(actors, public_photo, django_capture_on_commit_callbacks):
    report = submit(public_photo, django_capture_on_commit_callbacks)
    url = reverse("admin:reviews_detectionreport_change", args=[report.pk])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = actors.client(actors.staff).post(
            url, {"status": "resolved", "resolution": "Fixed.", "correction": "redact"}
        )

    assert response.status_code == 302
    report.refresh_from_db()
    public_photo.refresh_from_db()
    assert report.status == DetectionReport.Status.RESOLVED
    assert public_photo.status == Photo.Status.ANONYMIZED
    assert len(mail.outbox) == 1
    assert actors.client(actors.viewer).get(url).status_code == 302  # to the admin login


def test_the_queue_puts_open_identifying_reports_first_oldest_first(
    actors, public_photo, django_capture_on_commit_callbacks
):
    other = submit(public_photo, django_capture_on_commit_callbacks, kind="other")
    old_person = submit(public_photo, django_capture_on_commit_callbacks)
    plate = submit(public_photo, django_capture_on_commit_callbacks, kind="plate_visible")
    with django_capture_on_commit_callbacks(execute=True):
        detection_report_reject(report=old_person, by=actors.staff, message="No one there.")

    page = actors.client(actors.staff).get(reverse("admin:reviews_detectionreport_changelist"))

    order = [r.pk for r in page.context["cl"].result_list]
    assert order == [plate.pk, other.pk, old_person.pk]


def test_staff_see_the_figures_and_others_do_not(
    actors, public_photo, django_capture_on_commit_callbacks
):
    report = submit(public_photo, django_capture_on_commit_callbacks)
    submit(public_photo, django_capture_on_commit_callbacks, kind="other")
    with django_capture_on_commit_callbacks(execute=True):
        detection_report_resolve(report=report, by=actors.staff, resolution="Done.")
    url = reverse("admin:reviews_detectionreport_figures")

    page = actors.client(actors.staff).get(url)

    assert page.status_code == 200
    assert page.context["open_count"] == 1 and page.context["median_hours"] is not None
    assert "A person is visible" in page.text and actors.camera.name in page.text
    assert actors.client(actors.owner).get(url).status_code == 302


def test_every_step_is_written_to_the_photos_history(
    actors, public_photo, django_capture_on_commit_callbacks
):
    report = submit(public_photo, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        detection_report_resolve(report=report, by=actors.staff, resolution="Blurred.")

    events = list(public_photo.events.order_by("at").values_list("action", "actor"))
    page = actors.client(actors.staff).get(
        reverse("admin:projects_photo_change", args=[public_photo.pk])
    )

    assert events == [
        ("quarantined", None),
        ("blur added", actors.staff.pk),
        ("report resolved", actors.staff.pk),
    ]
    assert "report resolved" in page.text and "Blurred." in page.text


def test_members_still_see_a_quarantined_photo_flagged_the_public_does_not(
    actors, public_photo, django_capture_on_commit_callbacks
):
    submit(public_photo, django_capture_on_commit_callbacks)
    image = reverse("photo_image", args=[public_photo.pk, "display"])
    page = reverse("photo_detail", args=[public_photo.pk])
    member = actors.client(actors.viewer)

    member_image = member.get(image)

    assert member_image.status_code == 200
    assert member_image["Cache-Control"] == "private, max-age=300"  # never a public cache
    assert "hidden from the public until privacy staff check it" in member.get(page).text
    assert actors.client(actors.outsider).get(image).status_code == 404
    assert Client().get(image).status_code == 404 and Client().get(page).status_code == 404
