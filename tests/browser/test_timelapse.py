"""The timelapse in a real browser: play it, then export an MP4 and download it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from projects.models import Camera
from tests.projects.test_timelapse import anonymized_at

pytestmark = pytest.mark.browser

PARIS = ZoneInfo("Europe/Paris")


def test_a_member_plays_the_timelapse_and_downloads_its_mp4(
    actors, signed_in_page, eager_celery, screenshot, tmp_path
):
    Camera.objects.filter(pk=actors.camera.pk).update(timezone="Europe/Paris")
    actors.camera.refresh_from_db()
    for hour in (7, 9, 11, 13, 15, 20):
        anonymized_at(actors.camera, datetime(2026, 5, 4, hour, tzinfo=PARIS))
    page = signed_in_page(actors.viewer)
    page.goto(reverse("camera_timelapse", args=[actors.public_project.slug, "north"]))

    page.locator(".timelapse-status").filter(has_text="frames").wait_for()
    assert page.locator(".timelapse-status").inner_text().startswith("4 frames")  # 8..18 h
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "() => document.querySelector('.player-scrub').value >= 2", timeout=10_000
    )
    screenshot(page, "timelapse")
    page.get_by_role("button", name="Pause").click()

    page.get_by_role("button", name="Export as MP4").click()
    link = page.get_by_role("link", name="Download the MP4")
    link.wait_for(timeout=30_000)
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "timelapse.mp4"
    download_info.value.save_as(path)
    assert path.read_bytes()[4:8] == b"ftyp"
