"""Published JPEGs: sRGB, progressive, sized, and without any metadata."""

import io

import numpy as np
from PIL import Image, ImageCms

from anonymizer.engine.decode import decode_image
from anonymizer.engine.encode import encode_jpeg


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


def test_a_colour_profile_is_applied_on_decode():
    # A photo tagged with a non-sRGB profile is converted, not just stripped.
    image = Image.new("RGB", (10, 10), (0, 255, 0))
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    plain, tagged = io.BytesIO(), io.BytesIO()
    image.save(plain, "PNG")
    image.save(tagged, "PNG", icc_profile=profile.tobytes())

    assert decode_image(tagged.getvalue()).getpixel((5, 5))[1] > 240
    assert decode_image(plain.getvalue()).mode == "RGB"
