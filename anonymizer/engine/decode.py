"""Safe decoding of uploaded photos (no Django here).

``decode_image(data, max_pixels=...)`` returns a fully decoded RGB image with
its EXIF orientation applied, or raises a subclass of ``ImageRejected``:

- ``EmptyImage``: no bytes at all;
- ``UnsupportedImage``: not a JPEG, PNG or WebP (by content, not by name);
- ``ImageTooLarge``: more pixels than ``max_pixels``, read from the header
  before any pixel is decoded, so a pixel bomb allocates nothing;
- ``CorruptImage``: truncated or damaged data; never a half-decoded image.
"""

import io
import warnings
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

DEFAULT_MAX_PIXELS = 100_000_000
SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP")
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
# EXIF orientations 5..8 rotate by 90 degrees: width and height swap.
_TRANSPOSED_ORIENTATIONS = {5, 6, 7, 8}

# Truncated files must fail, not decode to a grey bottom half.
ImageFile.LOAD_TRUNCATED_IMAGES = False


class ImageRejected(ValueError):
    """Base class: the bytes are not a photo we accept. ``code`` names the reason."""

    code = "invalid_image"


class EmptyImage(ImageRejected):
    code = "empty_image"


class UnsupportedImage(ImageRejected):
    code = "unsupported_image"


class ImageTooLarge(ImageRejected):
    code = "too_many_pixels"


class CorruptImage(ImageRejected):
    code = "corrupt_image"


@dataclass(frozen=True)
class ImageHeader:
    """What the header says: format, oriented size and EXIF capture time (naive local)."""

    format: str
    width: int
    height: int
    taken_at_local: datetime | None


def _open(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise EmptyImage("The file is empty.")
    try:
        with warnings.catch_warnings():
            # We apply our own limit below; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=SUPPORTED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageTooLarge(
            f"The image has more than {max_pixels:,} pixels; the limit protects the service."
        ) from None
    except UnidentifiedImageError:
        raise UnsupportedImage("The file is not a JPEG, PNG or WebP image.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptImage(f"The image header is damaged ({exc}).") from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptImage("The image has no pixels.")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"The image has {width}x{height} = {width * height:,} pixels; "
            f"the limit is {max_pixels:,}."
        )
    return image


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:
        return 1


def _exif_taken_at(image: Image.Image) -> datetime | None:
    try:
        raw = image.getexif().get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL)
        if isinstance(raw, bytes):
            raw = raw.decode("ascii", "replace")
        # EXIF stores local wall-clock time without a zone; the caller knows the camera's.
        return datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007
    except Exception:
        return None


def read_header(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageHeader:
    """Read format, oriented size and capture time without decoding pixels.

    Raises ImageRejected (see the module docstring).
    """
    image = _open(data, max_pixels)
    width, height = image.size
    if _orientation(image) in _TRANSPOSED_ORIENTATIONS:
        width, height = height, width
    return ImageHeader(image.format, width, height, _exif_taken_at(image))


def decode_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode every pixel and return an upright RGB image.

    Raises ImageRejected (see the module docstring).
    """
    image = _open(data, max_pixels)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImage(f"The image data is truncated or damaged ({exc}).") from None
    image = ImageOps.exif_transpose(image) or image
    return _to_srgb(image)


_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: an embedded colour profile (Adobe RGB, Display P3...) is applied."""
    icc = image.info.get("icc_profile")
    if image.mode == "P":
        image = image.convert("RGBA")  # palette transparency, then flattened below
    if image.mode not in ("RGB", "CMYK", "L"):
        image = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            image = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: keep the pixels as they are
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image
