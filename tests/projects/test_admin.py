"""The Django admin: useful to privacy staff, closed to everybody else."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from anonymizer.services import photo_anonymize_fail
from projects.models import BlurZone, Camera, Customer, Invitation, Membership, Photo, Project
from projects.services import camera_create, photo_ingest
from tests.factories import BlurZoneFactory, UserFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

MODELS = [Customer, Membership, Invitation, Project, Camera, Photo, BlurZone]


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@platform.example", is_staff=True, is_superuser=True)


@pytest.fixture
def photo(actors):
    photo, _ = photo_ingest(camera=actors.camera, content=image_bytes("JPEG", (320, 240)))
    return photo


def admin_urls(actors, photo):
    """Every changelist and change page, plus add pages where adding is allowed."""
    objects = {
        Customer: actors.customer,
        Membership: Membership.objects.first(),
        Project: actors.public_project,
        Camera: actors.camera,
        Photo: photo,
        BlurZone: BlurZoneFactory(camera=actors.camera),
    }
    urls = []
    for model in MODELS:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{name}_changelist"))
        if model not in (Photo, Invitation):
            urls.append(reverse(f"{name}_add"))
        if model in objects:
            urls.append(reverse(f"{name}_change", args=[objects[model].pk]))
    return urls


def test_every_admin_page_loads_for_a_superuser(actors, photo, superuser):
    client = actors.client(superuser)

    for url in admin_urls(actors, photo):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("who", ["owner", "project_admin", "viewer", "outsider", "anonymous"])
def test_admin_pages_are_refused_to_non_staff(actors, photo, who):
    client = actors.client(getattr(actors, who))

    for url in [reverse("admin:index"), *admin_urls(actors, photo)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url


def test_privacy_staff_can_review_photos_and_blur_zones(actors, photo):
    client = actors.client(actors.staff)

    photos = client.get(reverse("admin:projects_photo_changelist"))
    zones = client.get(reverse("admin:projects_blurzone_changelist"))
    projects = client.get(reverse("admin:projects_project_changelist"))

    assert photos.status_code == zones.status_code == projects.status_code == 200
    assert str(actors.camera) in photos.content.decode()


def test_the_photo_list_filters_by_status_and_project(actors, photo, superuser):
    client = actors.client(superuser)

    pending = client.get(reverse("admin:projects_photo_changelist"), {"status__exact": "pending"})
    failed = client.get(reverse("admin:projects_photo_changelist"), {"status__exact": "failed"})

    assert pending.context["cl"].result_count == 1
    assert failed.context["cl"].result_count == 0


def test_the_photo_page_never_exposes_the_original(actors, photo, superuser):
    response = actors.client(superuser).get(reverse("admin:projects_photo_change", args=[photo.pk]))

    content = response.content.decode()
    assert photo.original.name not in content
    assert photo.sha256 in content  # read-only, for matching reports
    assert 'name="sha256"' not in content


def _anonymize_for_test(photo):
    """Stand-in for the pipeline: attach a generated thumbnail and mark the photo anonymized."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 10)).save(buffer, "JPEG")
    for field in (photo.anonymized, photo.thumbnail):
        field.save("x.jpg", ContentFile(buffer.getvalue()), save=False)
    photo.status = Photo.Status.ANONYMIZED
    photo.save()


def test_staff_see_thumbnails_of_anonymized_photos(actors, photo):
    _anonymize_for_test(photo)
    client = actors.client(actors.staff)

    listing = client.get(reverse("admin:projects_photo_changelist")).content.decode()
    thumbnail_url = reverse("admin:projects_photo_thumbnail", args=[photo.pk])
    image = client.get(thumbnail_url)

    assert thumbnail_url in listing
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(image.streaming_content))).size == (64, 48)


def test_thumbnails_are_refused_to_non_staff_and_missing_before_anonymization(actors, photo):
    url = reverse("admin:projects_photo_thumbnail", args=[photo.pk])

    assert actors.client(actors.staff).get(url).status_code == 404  # still pending
    _anonymize_for_test(photo)
    assert actors.client(actors.owner).get(url).status_code == 302  # to the admin login


def test_adding_a_camera_in_the_admin_shows_its_token_once(actors, superuser):
    client = actors.client(superuser)

    added = client.post(
        reverse("admin:projects_camera_add"),
        {
            "project": actors.public_project.pk,
            "name": "Crane cam",
            "slug": "crane-cam",
            "timezone": "Europe/Paris",
            "is_active": "on",
        },
        follow=True,
    )

    camera = Camera.objects.get(slug="crane-cam")
    message = next(str(m) for m in added.context["messages"] if "Upload token" in str(m))
    token = message.split(": ")[1].split(" ")[0]
    assert camera.token_matches(token)
    change_page = client.get(reverse("admin:projects_camera_change", args=[camera.pk]))
    assert token not in change_page.content.decode()
    assert camera.upload_token_prefix in change_page.content.decode()


def test_the_create_camera_token_never_appears_in_the_admin(actors, superuser):
    camera, token = camera_create(project=actors.public_project, name="Gate 2")

    client = actors.client(superuser)
    pages = [
        client.get(reverse("admin:projects_camera_changelist")),
        client.get(reverse("admin:projects_camera_change", args=[camera.pk])),
    ]

    assert all(token not in page.content.decode() for page in pages)


def test_a_bad_blur_zone_is_refused_in_the_admin(actors, superuser):
    response = actors.client(superuser).post(
        reverse("admin:projects_blurzone_add"),
        {
            "camera": actors.camera.pk,
            "label": "Bow tie",
            "polygon_xy_norm": "[[0, 0], [1, 1], [1, 0], [0, 0.5]]",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "edges cross each other" in response.content.decode()
    assert not BlurZone.objects.exists()


def test_a_retention_over_thirty_days_is_refused_in_the_admin(actors, superuser):
    response = actors.client(superuser).post(
        reverse("admin:projects_project_add"),
        {
            "customer": actors.customer.pk,
            "name": "Long memory",
            "slug": "long-memory",
            "originals_enabled": "on",
            "originals_purpose": "Security",
            "originals_retention_days": "45",
            "cameras-TOTAL_FORMS": "0",
            "cameras-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "less than or equal to 30" in response.content.decode()
    assert not Project.objects.filter(slug="long-memory").exists()


def test_enabling_originals_in_the_admin_records_who_and_when(actors, superuser):
    project = actors.private_project
    client = actors.client(superuser)

    client.post(
        reverse("admin:projects_project_change", args=[project.pk]),
        {
            "customer": actors.customer.pk,
            "name": project.name,
            "camera_purpose": project.camera_purpose,
            "slug": project.slug,
            "originals_enabled": "on",
            "originals_purpose": "Theft investigation",
            "originals_retention_days": "14",
        },
    )

    project.refresh_from_db()
    assert project.originals_enabled
    assert project.originals_enabled_by == superuser
    assert project.originals_enabled_at is not None


def anonymized(photo):
    """Make ``photo`` look processed (the pipeline itself is tested in tests/anonymizer)."""
    photo.anonymized.save("a.jpg", ContentFile(image_bytes()), save=False)
    photo.status, photo.work_requested_at = Photo.Status.ANONYMIZED, None
    photo.save()
    return photo


def test_adding_a_blur_zone_in_the_admin_queues_the_cameras_photos(actors, photo, superuser):
    anonymized(photo)

    response = actors.client(superuser).post(
        reverse("admin:projects_blurzone_add"),
        {
            "camera": actors.camera.pk,
            "label": "Street",
            "polygon_xy_norm": "[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    zone = BlurZone.objects.get()
    assert zone.created_by == superuser
    photo.refresh_from_db()
    assert photo.work_requested_at is not None
    assert photo.status == Photo.Status.ANONYMIZED  # the current version stays until replaced


def test_switching_a_zone_off_redoes_only_photos_with_originals(actors, photo, superuser):
    zone = BlurZoneFactory(camera=actors.camera)
    anonymized(photo)
    photo.original.delete(save=True)

    actors.client(superuser).post(
        reverse("admin:projects_blurzone_change", args=[zone.pk]),
        {"camera": actors.camera.pk, "label": "x", "polygon_xy_norm": str(zone.polygon_xy_norm)},
    )

    zone.refresh_from_db()
    photo.refresh_from_db()
    assert not zone.is_active
    assert photo.work_requested_at is None


def test_the_reprocess_action_queues_photos_and_shows_runs(actors, photo, superuser):
    anonymized(photo)
    client = actors.client(superuser)

    response = client.post(
        reverse("admin:projects_photo_changelist"),
        {"action": "reprocess", "_selected_action": [photo.pk]},
        follow=True,
    )

    assert "1 photos queued for anonymization" in response.content.decode()
    photo.refresh_from_db()
    assert photo.work_requested_at is not None
    page = client.get(reverse("admin:projects_photo_change", args=[photo.pk])).content.decode()
    assert "Anonymization runs" in page and "queued since" in page


def test_the_status_cannot_be_set_by_hand_in_the_admin(actors, photo, superuser):
    actors.client(superuser).post(
        reverse("admin:projects_photo_change", args=[photo.pk]),
        {"status": "anonymized"},
    )

    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING


def test_a_failed_photo_shows_its_error_to_staff(actors, photo):
    Photo.objects.filter(pk=photo.pk).update(status="failed", error="CorruptImage: broken")

    page = actors.client(actors.staff).get(reverse("admin:projects_photo_change", args=[photo.pk]))

    assert "CorruptImage: broken" in page.content.decode()


def test_staff_browse_failed_runs_with_their_errors(actors, photo):
    photo_anonymize_fail(photo_id=photo.pk, error="CorruptImage: the original is damaged")
    client = actors.client(actors.staff)

    page = client.get(
        reverse("admin:anonymizer_anonymizationrun_changelist"), {"outcome": "failed"}
    )

    assert page.status_code == 200
    assert "the original is damaged" in page.content.decode()
    run_page = client.get(
        reverse("admin:anonymizer_anonymizationrun_change", args=[photo.runs.get().pk])
    )
    assert run_page.status_code == 200
