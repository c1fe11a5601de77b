"""JPEG encoding for published copies: sRGB, progressive, no metadata at all."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def encode_jpeg(
    image: np.ndarray | Image.Image, *, quality: int, long_side: int | None = None
) -> bytes:
    """A progressive JPEG of ``image`` (RGB), shrunk to ``long_side`` if given.

    Nothing but pixels is written: no EXIF, GPS, XMP, IPTC, maker notes,
    comments or ICC profile (the pixels are sRGB already, see ``decode``).
    """
    picture = Image.fromarray(image) if isinstance(image, np.ndarray) else image
    if picture.mode != "RGB":
        picture = picture.convert("RGB")
    if long_side and max(picture.size) > long_side:
        picture = picture.copy()
        picture.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(
        buffer,
        "JPEG",
        quality=quality,
        progressive=True,
        optimize=True,
        subsampling="4:2:0",
        exif=b"",
        icc_profile=None,
    )
    return buffer.getvalue()
