"""The web upload page in a real browser: several files, progress, a result for each."""

import pytest
from django.urls import reverse

from projects.models import Photo
from tests.images import image_bytes

pytestmark = pytest.mark.browser


def test_a_project_admin_uploads_several_photos_and_sees_each_result(actors, signed_in_page):
    page = signed_in_page(actors.project_admin)
    page.goto(reverse("camera_upload", args=[actors.camera.pk]))
    photo = image_bytes(size=(640, 480))
    files = [
        {"name": "0800.jpg", "mimeType": "image/jpeg", "buffer": photo},
        {"name": "0805.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (640, 480))},
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo"},
        {"name": "0800-again.jpg", "mimeType": "image/jpeg", "buffer": photo},
    ]

    page.set_input_files("#upload-files", files)
    page.get_by_role("button", name="Upload").click()

    summary = page.locator("#upload-summary")
    summary.filter(has_text="refused.").wait_for(timeout=30_000)
    assert summary.inner_text() == "2 accepted, 1 already uploaded, 1 refused."
    rows = page.locator("#upload-list tbody tr")
    assert rows.count() == 4
    results = dict(
        zip(
            rows.locator("td:first-child").all_inner_texts(),
            rows.locator("td:last-child").all_inner_texts(),
            strict=True,
        )
    )
    assert results["0800.jpg"] in ("accepted, being anonymized", "already uploaded")
    assert results["notes.txt"] == "refused: The file is not a JPEG, PNG or WebP image."
    assert all(
        value == 100
        for value in page.locator("#upload-list progress").evaluate_all(
            "bars => bars.map(bar => bar.value)"
        )
    )
    assert Photo.objects.filter(camera=actors.camera).count() == 2


def test_a_file_over_the_limit_is_refused_before_it_is_sent(actors, signed_in_page, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    page = signed_in_page(actors.owner)
    page.goto(reverse("camera_upload", args=[actors.camera.pk]))

    page.set_input_files(
        "#upload-files",
        [{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(800, 600))}],
    )
    page.get_by_role("button", name="Upload").click()

    page.locator("#upload-summary").filter(has_text="refused.").wait_for(timeout=30_000)
    assert "larger than the limit" in page.locator("#upload-list").inner_text()
    assert not Photo.objects.exists()
