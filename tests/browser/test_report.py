"""Reporting a detection error in a real browser, as an anonymous visitor."""

import pytest
from django.urls import reverse

from projects.models import Photo
from reviews.models import DetectionReport
from tests.browser.test_viewer import anonymized_photo

pytestmark = pytest.mark.browser


def test_a_visitor_draws_a_region_and_reports_a_visible_person(
    actors, browser, live_server, screenshot
):
    photo = anonymized_photo(actors.camera, 9)
    page = browser.new_page(base_url=live_server.url, viewport={"width": 1280, "height": 1600})
    page.goto(reverse("photo_detail", args=[photo.pk]))
    assert "show the original" not in page.content().lower()

    page.get_by_text("Report a detection error").click()
    canvas = page.locator(".report-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.3 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.7 * box["height"], steps=5)
    page.mouse.up()
    page.get_by_label("What is wrong").select_option("person_visible")
    page.get_by_label("Message (optional)").fill("A worker near the fence is recognisable.")
    page.get_by_label("Your email address, for the answer").fill("walker@example.org")
    screenshot(page, "report-form")
    page.get_by_role("button", name="Send the report").click()

    page.locator(".report-status").filter(has_text="Thank you").wait_for()
    assert "hidden from the public" in page.locator(".report-status").inner_text()
    saved = DetectionReport.objects.get()
    xs = [x for x, _ in saved.region_xy_norm]
    ys = [y for _, y in saved.region_xy_norm]
    assert min(xs) == pytest.approx(0.2, abs=0.02) and max(xs) == pytest.approx(0.5, abs=0.02)
    assert min(ys) == pytest.approx(0.3, abs=0.02) and max(ys) == pytest.approx(0.7, abs=0.02)
    assert saved.reporter_email == "walker@example.org"
    photo.refresh_from_db()
    assert photo.status == Photo.Status.QUARANTINED
