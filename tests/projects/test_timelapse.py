"""Timelapse: frames in a local date and hour window, MP4 export, regeneration."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import imageio_ffmpeg
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from projects.models import Camera, Photo, TimelapseExport
from projects.services import photo_ingest, timelapse_exports_refresh
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def frame_jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (shade, 100, 255 - shade)).save(buffer, "JPEG")
    return buffer.getvalue()


def anonymized_at(camera, when: datetime) -> Photo:
    content = frame_jpeg(when.hour * 10 % 255)
    photo, _ = photo_ingest(
        camera=camera, content=image_bytes(color=(when.hour, when.day, 7)), taken_at=when
    )
    for field in ("anonymized", "display", "thumbnail"):
        getattr(photo, field).save(f"{field}.jpg", ContentFile(content), save=False)
    photo.status, photo.work_requested_at = Photo.Status.ANONYMIZED, None
    photo.save()
    return photo


@pytest.fixture
def camera(actors):
    Camera.objects.filter(pk=actors.camera.pk).update(timezone="Europe/Paris")
    actors.camera.refresh_from_db()
    return actors.camera


@pytest.fixture
def week(camera):
    """Photos at 06:00, 09:00, 12:00, 17:00 and 22:00 (Paris) on 4 and 5 May."""
    return [
        anonymized_at(camera, datetime(2026, 5, day, hour, tzinfo=PARIS))
        for day in (4, 5)
        for hour in (6, 9, 12, 17, 22)
    ]


def frames(client, camera, **params):
    return client.get(reverse("api_frames", args=[camera.pk]), params)


def test_the_player_gets_the_days_frames_within_the_local_hours_oldest_first(camera, week):
    response = frames(
        Client(),
        camera,
        **{"from": "2026-05-04", "to": "2026-05-05", "hour_from": 8, "hour_to": 18},
    )

    body = response.json()
    assert response.status_code == 200
    hours = [datetime.fromisoformat(f["taken_at"]).astimezone(PARIS).hour for f in body["frames"]]
    assert hours == [9, 12, 17, 9, 12, 17]
    assert body["frames"][0]["url"] == reverse("photo_image", args=[week[1].pk, "display"])


def test_frames_of_a_private_project_are_404_for_the_public(actors, camera, week):
    Camera.objects.filter(pk=camera.pk).update(project=actors.private_project)

    assert frames(Client(), camera).status_code == 404
    assert frames(
        actors.client(actors.viewer), camera, **{"from": "2026-05-04", "to": "2026-05-05"}
    ).json()["frames"]


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-05-06", "to": "2026-05-04"}, {"hour_from": 18, "hour_to": 8}, {"from": "May"}],
)
def test_a_bad_range_is_400(camera, params):
    assert frames(Client(), camera, **params).status_code == 400


def test_a_member_exports_an_mp4_of_the_window_and_downloads_it(
    actors, camera, week, eager_celery, django_capture_on_commit_callbacks
):
    client = actors.client(actors.viewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api_exports", args=[camera.pk]),
            {"from": "2026-05-04", "to": "2026-05-05", "hour_from": 8, "hour_to": 18, "fps": 6},
        )

    assert response.status_code == 202
    export = TimelapseExport.objects.get()
    assert export.status == TimelapseExport.Status.DONE and export.progress == 100
    assert set(export.photos.all()) == {week[i] for i in (1, 2, 3, 6, 7, 8)}
    detail = client.get(reverse("api_export", args=[export.pk])).json()
    download = client.get(detail["download"])
    assert download.status_code == 200 and download["Content-Type"] == "video/mp4"
    with export.file.open("rb") as handle:
        video = handle.read()
    assert video[4:8] == b"ftyp"
    count, seconds = imageio_ffmpeg.count_frames_and_secs(export.file.path)
    assert count == 6 and seconds == pytest.approx(1.0, abs=0.2)


def test_correcting_a_photo_remakes_the_videos_that_contain_it(
    actors, camera, week, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actors.client(actors.owner).post(
            reverse("api_exports", args=[camera.pk]), {"from": "2026-05-04", "to": "2026-05-04"}
        )
    export = TimelapseExport.objects.get()
    first_file = export.file.name

    with django_capture_on_commit_callbacks(execute=True):
        assert timelapse_exports_refresh(photo_id=week[0].pk) == 1

    export.refresh_from_db()
    assert export.status == TimelapseExport.Status.DONE
    assert export.file.name != first_file


@pytest.mark.parametrize(("who", "status"), [("outsider", 403), ("anonymous", 401)])
def test_only_members_export(actors, camera, who, status):
    response = actors.client(getattr(actors, who)).post(
        reverse("api_exports", args=[camera.pk]), {"from": "2026-05-04", "to": "2026-05-04"}
    )

    assert response.status_code == status
    assert not TimelapseExport.objects.exists()


def test_an_export_with_no_photo_fails_clearly(
    actors, camera, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actors.client(actors.owner).post(
            reverse("api_exports", args=[camera.pk]), {"from": "2020-01-01", "to": "2020-01-02"}
        )

    export = TimelapseExport.objects.get()
    assert export.status == TimelapseExport.Status.FAILED and "No photo" in export.error


def test_the_player_page_offers_export_to_members_only(actors, camera, week):
    url = reverse("camera_timelapse", args=[camera.project.slug, camera.slug])

    assert 'data-action="export"' in actors.client(actors.viewer).get(url).text
    assert 'data-action="export"' not in Client().get(url).text
    assert date(2026, 5, 5).isoformat() in Client().get(url).text
