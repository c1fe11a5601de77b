"""Safe decoding: every bad file gets its own clear error, never a half image."""

from datetime import datetime

import pytest

from anonymizer.engine.decode import (
    CorruptImage,
    EmptyImage,
    ImageTooLarge,
    UnsupportedImage,
    decode_image,
    read_header,
)
from tests.images import image_bytes, png_bomb_bytes


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_it_decodes_the_supported_formats(fmt):
    image = decode_image(image_bytes(fmt, (64, 48)))

    assert image.size == (64, 48)
    assert image.mode == "RGB"


def test_it_rejects_an_empty_file():
    with pytest.raises(EmptyImage, match="empty"):
        decode_image(b"")


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7 not a photo",
        b"GIF89a" + b"\x00" * 100,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_it_rejects_other_file_types_by_content(content):
    with pytest.raises(UnsupportedImage, match="not a JPEG, PNG or WebP"):
        decode_image(content)


def test_it_rejects_a_gif_even_though_pillow_reads_it():
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    with pytest.raises(UnsupportedImage):
        decode_image(buffer.getvalue())


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_it_rejects_a_truncated_file_instead_of_returning_half_an_image(fmt):
    content = image_bytes(fmt, (400, 300))

    with pytest.raises(CorruptImage, match="truncated or damaged"):
        decode_image(content[: len(content) * 2 // 3])


def test_it_rejects_a_pixel_bomb_from_its_header():
    bomb = png_bomb_bytes(40_000, 40_000)  # 1.6 gigapixels declared in a ~100-byte file

    assert len(bomb) < 200
    with pytest.raises(ImageTooLarge, match="limit"):
        read_header(bomb)
    with pytest.raises(ImageTooLarge):
        decode_image(bomb)


def test_the_pixel_limit_is_configurable():
    content = image_bytes("PNG", (2000, 1000))

    with pytest.raises(ImageTooLarge, match="2000x1000 = 2,000,000 pixels; the limit is 1,000,000"):
        decode_image(content, max_pixels=1_000_000)
    assert decode_image(content, max_pixels=2_000_000).size == (2000, 1000)


def test_exif_orientation_is_applied():
    # Orientation 6: the camera was turned; the stored 64x48 image displays as 48x64.
    content = image_bytes("JPEG", (64, 48), orientation=6)

    assert read_header(content).width == 48
    image = decode_image(content)
    assert image.size == (48, 64)
    # The blue quarter stored top-left ends up top-right after a 90-degree turn.
    assert image.getpixel((40, 5))[2] > 150
    assert image.getpixel((5, 5))[2] < 100


def test_header_gives_the_exif_capture_time():
    header = read_header(image_bytes("JPEG", exif_datetime="2026:03:14 07:30:05"))

    assert header.format == "JPEG"
    assert header.taken_at_local == datetime(2026, 3, 14, 7, 30, 5)  # noqa: DTZ001


def test_a_malformed_exif_date_is_ignored():
    assert read_header(image_bytes("JPEG", exif_datetime="yesterday")).taken_at_local is None
