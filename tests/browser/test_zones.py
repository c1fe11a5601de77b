"""The blur-zone editor in a real browser: draw a polygon, name it, save, reload, see it."""

import pytest
from django.urls import reverse

from projects.models import BlurZone
from tests.browser.test_viewer import anonymized_photo

pytestmark = pytest.mark.browser


def test_a_project_admin_draws_a_zone_saves_it_and_finds_it_after_a_reload(
    actors, signed_in_page, screenshot
):
    photo = anonymized_photo(actors.camera, 9)
    page = signed_in_page(actors.project_admin)
    page.set_viewport_size({"width": 1280, "height": 1400})  # the whole photo on screen
    page.goto(reverse("camera_zones", args=[actors.camera.pk]))
    page.locator(".zone-status").filter(has_text="zone(s)").wait_for()
    canvas = page.locator(".zone-canvas")
    box = canvas.bounding_box()

    page.get_by_role("button", name="New zone").click()
    for x, y in [(0.1, 0.6), (0.5, 0.6), (0.5, 0.95), (0.1, 0.95)]:
        page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])
    page.mouse.click(box["x"] + 0.1 * box["width"], box["y"] + 0.6 * box["height"])  # first corner
    page.get_by_label("Name of the selected zone").fill("Public road")
    page.get_by_label("Preview the blur").check()
    screenshot(page, "zone-editor")
    page.get_by_role("button", name="Save zone").click()
    page.locator(".zone-status").filter(has_text="Saved").wait_for()

    zone = BlurZone.objects.get()
    assert zone.label == "Public road" and len(zone.polygon_xy_norm) == 4
    assert zone.polygon_xy_norm[0] == pytest.approx([0.1, 0.6], abs=0.01)
    # The photo's original is gone: the zone is added on top of its anonymized image.
    assert "1 (original already deleted)" in page.locator(".zone-status").inner_text()
    photo.refresh_from_db()
    assert photo.work_requested_at is not None

    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.reload()
    page.locator(".zone-canvas polygon.zone").wait_for()
    assert errors == []
    assert page.locator(".zone-list").inner_text().strip() == "Public road"

    # Drag a corner: the zone changes shape and is saved again.
    page.locator(".zone-canvas polygon.zone").click(position={"x": 20, "y": 20}, force=True)
    handle = page.locator(".zone-canvas circle.handle").nth(1)
    handle_box = handle.bounding_box()
    page.mouse.move(handle_box["x"] + 9, handle_box["y"] + 9)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.7 * box["width"], box["y"] + 0.6 * box["height"], steps=5)
    page.mouse.up()
    page.get_by_role("button", name="Save zone").click()
    page.locator(".zone-status").filter(has_text="Saved").wait_for()
    zone.refresh_from_db()
    assert zone.polygon_xy_norm[1][0] == pytest.approx(0.7, abs=0.02)
