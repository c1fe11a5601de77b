"""Slicing large photos into overlapping squares (supervision's InferenceSlicer, sahi)."""

from __future__ import annotations

import math


def slice_boxes(
    width: int, height: int, slice_px: int, overlap: float
) -> list[tuple[int, int, int, int]]:
    """Cover a ``width`` x ``height`` frame with ``slice_px`` squares overlapping by ``overlap``.

    Returns ``(x1, y1, x2, y2)`` slices; the last row and column are moved
    back inside the frame rather than cut short, so every slice has the same
    size (unless the frame itself is smaller).
    """
    if slice_px <= 0:
        raise ValueError("slice_px must be positive")
    step = max(1, int(slice_px * (1 - overlap)))

    def starts(length: int) -> list[int]:
        if length <= slice_px:
            return [0]
        count = math.ceil((length - slice_px) / step) + 1
        return sorted({min(i * step, length - slice_px) for i in range(count)})

    return [
        (x, y, min(x + slice_px, width), min(y + slice_px, height))
        for y in starts(height)
        for x in starts(width)
    ]
