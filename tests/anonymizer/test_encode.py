"""Published JPEGs: sRGB, progressive, sized, and without any metadata."""

import io

import numpy as np
from PIL import Image, ImageCms

from anonymizer.engine.decode import decode_image
from anonymizer.engine.encode import encode_jpeg, encode_sizes


def photo_with_everything(size=(800, 600)) -> bytes:
    """A JPEG carrying EXIF with GPS, XMP, a comment and an Adobe-RGB-like ICC profile."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x927C] = b"maker-notes"  # MakerNote
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), xmp=xmp, comment=b"secret", icc_profile=icc)
    return buffer.getvalue()


def test_outputs_carry_no_exif_gps_xmp_comment_or_profile():
    source = photo_with_everything()
    assert Image.open(io.BytesIO(source)).getexif()  # the input really has metadata

    out = Image.open(io.BytesIO(encode_jpeg(np.asarray(decode_image(source)), quality=85)))

    assert not out.getexif()
    assert not out.getexif().get_ifd(0x8825)
    assert "xmp" not in out.info and "XML:com.adobe.xmp" not in out.info
    assert "comment" not in out.info
    assert "icc_profile" not in out.info
    assert b"CameraMaker" not in encode_jpeg(np.asarray(decode_image(source)), quality=85)


def test_outputs_are_progressive_and_resized_to_the_long_side():
    image = np.zeros((3000, 4000, 3), np.uint8)

    display = Image.open(io.BytesIO(encode_jpeg(image, quality=85, long_side=2048)))
    full = Image.open(io.BytesIO(encode_jpeg(image, quality=85)))

    assert display.size == (2048, 1536)
    assert full.size == (4000, 3000)
    assert full.info.get("progressive") or full.info.get("progression")


def test_the_three_copies_are_the_same_picture_at_each_size():
    # Left third red, the rest blue, with a white bar across the middle.
    image = np.zeros((3000, 4000, 3), np.uint8)
    image[:, :1333] = (220, 20, 20)
    image[:, 1333:] = (20, 20, 220)
    image[1400:1600] = 255

    full, display, thumbnail = (
        Image.open(io.BytesIO(jpeg))
        for jpeg in encode_sizes(image, quality=85, long_sides=[None, 2048, 480])
    )

    assert [full.size, display.size, thumbnail.size] == [(4000, 3000), (2048, 1536), (480, 360)]
    for copy in (full, display, thumbnail):
        w, h = copy.size
        pixels = np.asarray(copy).astype(int)
        assert pixels[h // 4, w // 6, 0] > 180 and pixels[h // 4, w // 6, 2] < 60  # red
        assert pixels[h // 4, w * 5 // 6, 2] > 180 and pixels[h // 4, w * 5 // 6, 0] < 60
        assert pixels[h // 2, w // 2].min() > 230  # the bar, where it was
        assert pixels[h * 3 // 4, w // 2].max() < 240
        assert copy.info.get("progressive") or copy.info.get("progression")
        assert not copy.getexif()


def test_a_colour_profile_is_applied_on_decode():
    # A photo tagged with a non-sRGB profile is converted, not just stripped.
    image = Image.new("RGB", (10, 10), (0, 255, 0))
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    plain, tagged = io.BytesIO(), io.BytesIO()
    image.save(plain, "PNG")
    image.save(tagged, "PNG", icc_profile=profile.tobytes())

    assert decode_image(tagged.getvalue()).getpixel((5, 5))[1] > 240
    assert decode_image(plain.getvalue()).mode == "RGB"
