"""Reporting a detection error from a photo page: validation, spam guards, quarantine."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from projects.models import Photo
from projects.services import photo_ingest
from reviews.models import DetectionReport
from tests.factories import CameraFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

REGION = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.5], [0.2, 0.5]]


def anonymized(camera) -> Photo:
    photo, _ = photo_ingest(camera=camera, content=image_bytes(), filename="p.jpg")
    for field in ("anonymized", "display", "thumbnail"):
        getattr(photo, field).save(f"{field}.jpg", ContentFile(image_bytes()), save=False)
    photo.status, photo.work_requested_at = Photo.Status.ANONYMIZED, None
    photo.save()
    return photo


@pytest.fixture
def public_photo(actors):
    return anonymized(actors.camera)


def report(client, photo, **fields):
    body = {"kind": "person_visible", "region_xy_norm": REGION, "email": "walker@example.org"}
    body.update(fields)
    return client.post(
        reverse("api_photo_reports", args=[photo.pk]), body, content_type="application/json"
    )


def test_a_visitor_reports_a_visible_person_and_the_photo_leaves_public_view(public_photo):
    response = report(Client(), public_photo, message="Worker by the crane, left side.")

    assert response.status_code == 201
    assert response.json()["photo_hidden"] is True
    saved = DetectionReport.objects.get()
    assert (saved.kind, saved.reporter_email, saved.region_xy_norm) == (
        "person_visible",
        "walker@example.org",
        REGION,
    )
    public_photo.refresh_from_db()
    assert public_photo.status == Photo.Status.QUARANTINED
    for url in (
        reverse("photo_detail", args=[public_photo.pk]),
        reverse("photo_image", args=[public_photo.pk, "display"]),
        reverse("photo_image", args=[public_photo.pk, "thumbnail"]),
    ):
        assert Client().get(url).status_code == 404, url


def test_a_wrong_blur_report_leaves_the_photo_public(public_photo):
    response = report(Client(), public_photo, kind="wrongly_blurred")

    assert response.json()["photo_hidden"] is False
    public_photo.refresh_from_db()
    assert public_photo.status == Photo.Status.ANONYMIZED


def test_a_member_reports_without_typing_an_email(actors):
    photo = anonymized(CameraFactory(project=actors.private_project))

    response = report(actors.client(actors.viewer), photo, email="")

    assert response.status_code == 201
    saved = DetectionReport.objects.get()
    assert saved.reporter == actors.viewer and saved.reporter_email == actors.viewer.email
    photo.refresh_from_db()
    assert photo.status == Photo.Status.ANONYMIZED  # a private project: no public to hide from


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"kind": "ufo"}, "kind"),
        ({"region_xy_norm": [[0, 0], [1, 1]]}, "at least 3"),
        ({"region_xy_norm": [[0, 0], [2, 0], [1, 1]]}, "0"),
        ({"email": ""}, "email address"),
        ({"email": "not-an-address"}, "email"),
        ({"message": "x" * 2001}, "2000"),
    ],
)
def test_a_bad_report_is_400_with_the_reason_and_nothing_changes(public_photo, fields, fragment):
    response = report(Client(), public_photo, **fields)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_report"
    assert fragment in response.json()["error"]["message"]
    assert not DetectionReport.objects.exists()
    public_photo.refresh_from_db()
    assert public_photo.status == Photo.Status.ANONYMIZED


def test_a_filled_honeypot_looks_accepted_but_stores_nothing(public_photo):
    response = report(Client(), public_photo, website="http://spam.example")

    assert response.status_code == 201
    assert not DetectionReport.objects.exists()


def test_too_many_reports_from_one_address_are_429(public_photo, settings):
    settings.REPORT_RATE = "2/hour"
    statuses = [report(Client(), public_photo, kind="other").status_code for _ in range(3)]

    assert statuses == [201, 201, 429]


def test_a_photo_the_visitor_cannot_see_cannot_be_reported(actors):
    private = anonymized(CameraFactory(project=actors.private_project))

    assert report(Client(), private).status_code == 404
    assert report(actors.client(actors.outsider), private).status_code == 404


def test_the_photo_page_carries_the_form_with_an_email_field_for_visitors(actors, public_photo):
    url = reverse("photo_detail", args=[public_photo.pk])

    visitor = Client().get(url).text
    member = actors.client(actors.viewer).get(url).text

    assert reverse("api_photo_reports", args=[public_photo.pk]) in visitor
    assert 'name="email"' in visitor and 'name="email"' not in member
    assert 'name="website"' in visitor  # the honeypot


def test_privacy_staff_find_the_report_in_the_admin(actors, public_photo):
    report(Client(), public_photo, message="Face by the gate")

    page = actors.client(actors.staff).get(reverse("admin:reviews_detectionreport_changelist"))

    assert page.status_code == 200 and "walker@example.org" in page.text
    assert (
        actors.client(actors.viewer)
        .get(reverse("admin:reviews_detectionreport_changelist"))
        .status_code
        == 302
    )


def test_a_reporter_cannot_see_other_reports(actors, public_photo):
    report(Client(), public_photo, message="Face by the gate", email="first@example.org")
    member = actors.client(actors.viewer)
    urls = [
        reverse("api_photo_reports", args=[public_photo.pk]),
        reverse("admin:reviews_detectionreport_changelist"),
        reverse("admin:reviews_detectionreport_change", args=[DetectionReport.objects.get().pk]),
        reverse("admin:reviews_photo_review", args=[public_photo.pk]),
        reverse("photo_detail", args=[public_photo.pk]),
    ]

    answer = report(member, public_photo, kind="other", message="Mine")
    pages = [member.get(url) for url in urls]

    assert answer.status_code == 201 and "first@example.org" not in answer.text
    assert [p.status_code for p in pages[:4]] == [405, 302, 302, 302]
    assert "Face by the gate" not in pages[4].text and "first@example.org" not in pages[4].text
