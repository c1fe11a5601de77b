"""One mask from detections, blur zones and manual regions."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from anonymizer.engine.boxes import Detections
from anonymizer.engine.config import EngineConfig


@dataclass(frozen=True)
class Region:
    """One area to redact: its pixels (a mask of its bounding box) and what it is."""

    x1: int
    y1: int
    x2: int
    y2: int
    mask: np.ndarray  # bool, (y2 - y1, x2 - x1)
    kind: str

    @property
    def size_px(self) -> int:
        """The longer side of the region: what sets its mosaic block size."""
        return max(self.x2 - self.x1, self.y2 - self.y1)


def _clip_box(box, width: int, height: int) -> tuple[int, int, int, int] | None:
    x1, y1, x2, y2 = (round(v) for v in box)
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(width, x2), min(height, y2)
    if x2 - x1 < 1 or y2 - y1 < 1:
        return None
    return x1, y1, x2, y2


def _box_region(box, width, height, kind, ellipse=False) -> Region | None:
    clipped = _clip_box(box, width, height)
    if clipped is None:
        return None
    x1, y1, x2, y2 = clipped
    mask = np.zeros((y2 - y1, x2 - x1), np.uint8)
    if ellipse:
        # The ellipse of the full (unclipped) box, drawn in the clipped crop's coordinates.
        bx1, by1, bx2, by2 = box
        center = (round((bx1 + bx2) / 2 - x1), round((by1 + by2) / 2 - y1))
        axes = (max(1, round((bx2 - bx1) / 2)), max(1, round((by2 - by1) / 2)))
        cv2.ellipse(mask, center, axes, 0, 0, 360, 1, thickness=-1)
    else:
        mask[:] = 1
    return Region(x1, y1, x2, y2, mask.astype(bool), kind)


def polygon_region(polygon_xy_norm, width: int, height: int, kind: str) -> Region | None:
    """A normalized (0..1) polygon as a region of a ``width`` x ``height`` frame."""
    points = np.asarray(polygon_xy_norm, dtype=np.float64).reshape(-1, 2)
    if len(points) < 3:
        raise ValueError("a polygon needs at least 3 points")
    if not np.isfinite(points).all():
        raise ValueError("polygon coordinates must be finite numbers")
    pixels = np.round(points.clip(0, 1) * [width, height]).astype(np.int32)
    x1, y1 = pixels.min(axis=0)
    x2, y2 = pixels.max(axis=0) + 1
    clipped = _clip_box((x1, y1, x2, y2), width, height)
    if clipped is None:
        return None
    x1, y1, x2, y2 = clipped
    mask = np.zeros((y2 - y1, x2 - x1), np.uint8)
    cv2.fillPoly(mask, [pixels - [x1, y1]], 1)
    return Region(x1, y1, x2, y2, mask.astype(bool), kind)


def detections_outside(
    detections: Detections, polygons, width: int, height: int, *, min_share: float = 0.5
) -> tuple[Detections, int]:
    """The detections not lying mostly inside any of ``polygons``, and how many were dropped.

    Staff draw such polygons around an automatic blur they judged wrong (a
    cone taken for a worker). A box is dropped when at least ``min_share``
    of its area lies inside one polygon, so a real person's box that only
    touches the polygon keeps its blur.
    """
    if not len(detections) or not polygons:
        return detections, 0
    keep = np.ones(len(detections), bool)
    for polygon in polygons:
        area = polygon_region(polygon, width, height, "keep_clear")
        if area is None:
            continue
        for i, box in enumerate(detections.xyxy):
            clipped = _clip_box(box, width, height)
            if clipped is None or not keep[i]:
                continue
            x1, y1, x2, y2 = clipped
            inside = area.mask[
                max(y1, area.y1) - area.y1 : max(min(y2, area.y2) - area.y1, 0),
                max(x1, area.x1) - area.x1 : max(min(x2, area.x2) - area.x1, 0),
            ]
            if inside.sum() >= min_share * (x2 - x1) * (y2 - y1):
                keep[i] = False
    return detections[keep], int((~keep).sum())


def build_regions(
    detections: Detections,
    width: int,
    height: int,
    config: EngineConfig,
    *,
    zones=(),
    manual_regions=(),
) -> list[Region]:
    """Regions to redact: padded people, face ellipses, plates, zones and manual regions.

    Vehicles are not redacted (only their plates). ``zones`` and
    ``manual_regions`` are polygons in normalized coordinates.
    """
    regions = []
    people = detections.with_label("person").padded(config.person_pad_x, config.person_pad_y)
    for box in people.xyxy:
        regions.append(_box_region(box, width, height, "person"))
    faces = detections.with_label("face", "head").padded(config.face_pad_x, config.face_pad_y)
    for box in faces.xyxy:
        regions.append(_box_region(box, width, height, "face", ellipse=True))
    for box in detections.with_label("plate").padded(config.plate_pad).xyxy:
        regions.append(_box_region(box, width, height, "plate"))
    for polygon in zones:
        regions.append(polygon_region(polygon, width, height, "zone"))
    for polygon in manual_regions:
        regions.append(polygon_region(polygon, width, height, "manual"))
    return [r for r in regions if r is not None]


def regions_mask(regions: list[Region], width: int, height: int) -> np.ndarray:
    """The union of the regions as one bool mask of the frame."""
    mask = np.zeros((height, width), bool)
    for r in regions:
        mask[r.y1 : r.y2, r.x1 : r.x2] |= r.mask
    return mask
