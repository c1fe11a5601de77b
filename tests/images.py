"""Images made by the tests themselves (no photo files are shipped)."""

import io
import struct
import zlib

from PIL import Image


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    color=(200, 120, 40),
    *,
    exif_datetime: str | None = None,
    orientation: int | None = None,
) -> bytes:
    """An image of ``size`` in ``fmt``, optionally with EXIF capture time and orientation."""
    image = Image.new("RGB", size, color)
    # A second colour in the top-left quarter, so orientation can be checked on pixels.
    image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1] // 2))
    exif = Image.Exif()
    if exif_datetime:
        exif.get_ifd(0x8769)[0x9003] = exif_datetime
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    kwargs = {"exif": exif.tobytes()} if (exif_datetime or orientation) else {}
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def png_bomb_bytes(width: int = 40_000, height: int = 40_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a pixel bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
