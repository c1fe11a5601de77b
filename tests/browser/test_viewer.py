"""Browsing in a real browser: a gallery day, a photo, paging with the keyboard, zoom."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from projects.models import Photo
from projects.services import photo_ingest
from tests.images import image_bytes

pytestmark = pytest.mark.browser

PARIS = ZoneInfo("Europe/Paris")


def anonymized_photo(camera, hour: int) -> Photo:
    content = image_bytes(size=(800, 600), color=(hour * 20 % 255, 120, 80))
    photo, _ = photo_ingest(
        camera=camera,
        content=content,
        filename="p.jpg",
        taken_at=datetime(2026, 5, 4, hour, tzinfo=PARIS),
    )
    for field in ("anonymized", "display", "thumbnail"):
        getattr(photo, field).save(f"{field}.jpg", ContentFile(content), save=False)
    photo.status, photo.work_requested_at = Photo.Status.ANONYMIZED, None
    photo.original.delete(save=False)
    photo.original = None
    photo.save()
    return photo


def test_a_visitor_browses_a_day_opens_a_photo_and_pages_with_the_keyboard(
    actors, browser, live_server, screenshot
):
    photos = [anonymized_photo(actors.camera, hour) for hour in (8, 9, 10)]
    page = browser.new_page(base_url=live_server.url)

    page.goto(reverse("project_detail", args=[actors.public_project.slug]))
    screenshot(page, "project")
    page.get_by_role("link", name="North").first.click()
    page.wait_for_url("**/cameras/north/")
    assert page.locator(".gallery img").count() == 3
    assert page.locator(".calendar [aria-current=date]").inner_text() == "4"
    screenshot(page, "gallery")

    page.locator(".gallery a").nth(1).click()  # newest first: 10:00, 09:00, 08:00
    page.wait_for_url(f"**/photos/{photos[1].pk}/")
    assert "09:00" in page.locator("h1").inner_text()
    assert page.locator(".viewer img").evaluate("img => img.naturalWidth") > 0
    screenshot(page, "photo")

    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"**/photos/{photos[2].pk}/")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"**/photos/{photos[1].pk}/")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"**/photos/{photos[0].pk}/")
    assert page.locator("#photo-prev").count() == 0

    page.get_by_role("button", name="Zoom in").click()
    transform = page.locator(".viewer img").evaluate("img => img.style.transform")
    assert "scale(1.5)" in transform
    assert page.locator(".viewer-frame.zoomed").count() == 1
    # Zoomed in past 1.5x, the full-size anonymized image replaces the display one.
    page.get_by_role("button", name="Zoom in").click()
    page.wait_for_function(
        "() => document.querySelector('.viewer img').src.includes('/image/full/')"
    )
    assert "show the original" not in page.content().lower()
