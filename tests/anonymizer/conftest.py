import io

import numpy as np
import pytest
from PIL import Image
from skimage import data


@pytest.fixture(scope="session")
def astronaut_jpeg() -> bytes:
    """A real photo of a person (Eileen Collins), shipped with scikit-image."""
    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def checkerboard_jpeg(size=(320, 240), square=16, seed=0) -> bytes:
    """A busy pattern: any redaction of it shows as a large change of the pixels."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    board = (((xx // square) + (yy // square)) % 2 * 255).astype(np.uint8)
    rgb = np.stack([board, 255 - board, np.full_like(board, 90 + seed)], axis=-1)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def pixels(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGB")).astype(np.int16)


def change_in(before: bytes, after: bytes, box_xyxy_norm) -> float:
    """Mean absolute pixel change inside a normalized box."""
    a, b = pixels(before), pixels(after)
    height, width = a.shape[:2]
    x1, y1, x2, y2 = box_xyxy_norm
    region = (slice(int(y1 * height), int(y2 * height)), slice(int(x1 * width), int(x2 * width)))
    return float(np.abs(a[region] - b[region]).mean())
