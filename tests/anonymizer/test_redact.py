"""Masks from detections and zones; redaction that really destroys detail."""

import numpy as np
import pytest
from skimage.metrics import structural_similarity

from anonymizer.engine.boxes import Detections
from anonymizer.engine.config import EngineConfig
from anonymizer.engine.mask import (
    build_regions,
    detections_outside,
    polygon_region,
    regions_mask,
)
from anonymizer.engine.redact import block_size, redact

CONFIG = EngineConfig()


def textured(height=1200, width=1600, seed=0):
    """A detailed picture: fine noise, stripes and edges at every scale."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = 128 + 60 * np.sin(xx / 3.0) * np.cos(yy / 5.0) + rng.normal(0, 30, (height, width))
    image = np.stack([base, np.roll(base, 7, axis=1), np.roll(base, 5, axis=0)], axis=2)
    return image.clip(0, 255).astype(np.uint8)


def ssim_at_48px(before, after):
    """SSIM of a region scaled to 48 px high, as the evaluation measures it."""
    import cv2

    h, w = before.shape[:2]
    size = (max(8, round(w * 48 / h)), 48)
    a = cv2.resize(cv2.cvtColor(before, cv2.COLOR_RGB2GRAY), size, interpolation=cv2.INTER_AREA)
    b = cv2.resize(cv2.cvtColor(after, cv2.COLOR_RGB2GRAY), size, interpolation=cv2.INTER_AREA)
    return structural_similarity(a, b, data_range=255, win_size=7)


def structured(height, width, cell, seed=1):
    """Random shapes about ``cell`` pixels wide: detail at the scale of the object."""
    import cv2

    rng = np.random.default_rng(seed)
    grid = rng.integers(0, 256, (height // cell + 1, width // cell + 1, 3), dtype=np.uint8)
    big = cv2.resize(
        grid, (grid.shape[1] * cell, grid.shape[0] * cell), interpolation=cv2.INTER_NEAREST
    )
    return big[:height, :width].copy()


@pytest.mark.parametrize("person_height", [24, 60, 150, 600])
def test_a_persons_detail_is_destroyed_whatever_its_size(person_height):
    # Eyes, stripes of a vest, a logo: detail about a twelfth of the person's height.
    image = structured(1200, 1600, max(2, person_height // 12))
    x1, y1 = 300, 100
    box = [x1, y1, x1 + person_height // 3, y1 + person_height]
    detections = Detections.from_lists([box], [0.9], "person")

    regions = build_regions(detections, 1600, 1200, CONFIG)
    out = redact(image, regions, CONFIG)

    before = image[y1 : y1 + person_height, x1 : x1 + person_height // 3]
    after = out[y1 : y1 + person_height, x1 : x1 + person_height // 3]
    assert ssim_at_48px(before, after) < 0.3
    # Outside the padded box nothing changed.
    assert (out[:, 1000:] == image[:, 1000:]).all()


def test_blocks_grow_with_the_region():
    small = build_regions(Detections.from_lists([[0, 0, 20, 60]], [1], "person"), 999, 999, CONFIG)
    big = build_regions(Detections.from_lists([[0, 0, 200, 600]], [1], "person"), 999, 999, CONFIG)

    assert block_size(big[0], CONFIG) >= 100
    assert block_size(small[0], CONFIG) <= 12


def test_faces_and_plates_get_coarser_blocks_than_bodies_of_the_same_size():
    from anonymizer.engine.mask import Region

    person, face, plate, zone = (
        Region(100, 100, 220, 220, np.ones((120, 120), bool), kind)
        for kind in ("person", "face", "plate", "zone")
    )

    assert block_size(person, CONFIG) == block_size(zone, CONFIG) == 120 // CONFIG.mosaic_blocks
    assert block_size(face, CONFIG) == block_size(plate, CONFIG) == 120 // 4
    assert CONFIG.mosaic_blocks_detail == 4


def test_solid_mode_fills_the_region_with_one_colour():
    from dataclasses import replace

    config = replace(CONFIG, mode="solid")
    image = textured(200, 200)
    regions = build_regions(
        Detections.from_lists([[50, 50, 100, 150]], [1], "person"), 200, 200, config
    )

    out = redact(image, regions, config)

    assert (out[60:140, 60:90] == config.solid_rgb).all()


@pytest.mark.parametrize("mode", ["mosaic", "solid"])
def test_only_the_masked_pixels_change(mode):
    """A face's ellipse is redacted and the corners of its box are not: what a viewer sees
    beside a blurred head is the photo as taken."""
    from dataclasses import replace

    config = replace(CONFIG, mode=mode)
    image = textured(300, 300)
    detections = Detections.from_lists([[100, 80, 180, 200]], [0.9], "face")
    regions = build_regions(detections, 300, 300, config)
    mask = regions_mask(regions, 300, 300)

    out = redact(image, regions, config)

    assert (out[~mask] == image[~mask]).all()
    changed = (out != image).any(axis=2)
    assert changed[mask].mean() > 0.95
    ys, xs = np.nonzero(mask)
    corners = ~mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    assert corners.mean() > 0.15  # an ellipse: its box's corners are left as they were


def test_zones_and_manual_regions_are_masked_exactly():
    road = [[0, 0.75], [1, 0.75], [1, 1], [0, 1]]
    window = [[0.5, 0.1], [0.6, 0.1], [0.55, 0.2]]

    regions = build_regions(
        Detections.empty(), 400, 200, CONFIG, zones=[road], manual_regions=[window]
    )
    mask = regions_mask(regions, 400, 200)

    assert mask[160:, :].all()
    assert not mask[60:140, :].any()
    assert mask[30, 220]  # inside the triangle
    assert not mask[38, 205]  # beside it
    assert {r.kind for r in regions} == {"zone", "manual"}


def test_faces_are_masked_as_ellipses_and_plates_as_boxes():
    detections = Detections.merge(
        [
            Detections.from_lists([[100, 100, 140, 150]], [0.9], "face"),
            Detections.from_lists([[300, 300, 360, 320]], [0.9], "plate"),
        ]
    )

    mask = regions_mask(build_regions(detections, 500, 500, CONFIG), 500, 500)

    assert mask[125, 120]  # face centre
    assert not mask[100 - 17, 100 - 10]  # corner of the padded face box, outside the ellipse
    assert mask[310, 330] and mask[300, 300]


def test_a_polygon_is_rejected_when_malformed():
    with pytest.raises(ValueError):
        polygon_region([[0, 0], [1, 1]], 10, 10, "zone")
    with pytest.raises(ValueError):
        polygon_region([[0, 0], [1, float("nan")], [0, 1]], 10, 10, "zone")


def test_redaction_is_the_same_every_time():
    image = structured(300, 300, 10)
    regions = build_regions(
        Detections.from_lists([[50, 50, 150, 250]], [1], "person"), 300, 300, CONFIG
    )

    assert (redact(image, regions, CONFIG) == redact(image, regions, CONFIG)).all()


def test_a_flat_dark_region_does_not_come_out_flat():
    # A dark, low-contrast plate: a plain average would leave a flat patch.
    image = np.full((200, 400, 3), 40, np.uint8)
    image[80:120, 150:250] = 46
    regions = build_regions(
        Detections.from_lists([[150, 80, 250, 120]], [1], "plate"), 400, 200, CONFIG
    )

    out = redact(image, regions, CONFIG)

    assert out[80:120, 150:250].std() > 2


def test_keep_clear_drops_only_detections_mostly_inside_the_polygon():
    detections = Detections.merge(
        [
            Detections.from_lists([[210, 20, 290, 180]], [0.9], "person"),  # inside
            Detections.from_lists([[150, 20, 230, 180]], [0.9], "person"),  # 3/8 inside
            Detections.from_lists([[20, 20, 60, 60]], [0.8], "face"),  # elsewhere
        ]
    )
    right_half = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]

    kept, dropped = detections_outside(detections, [right_half], 400, 200)

    assert dropped == 1
    assert kept.xyxy.tolist() == [[150, 20, 230, 180], [20, 20, 60, 60]]
    assert detections_outside(detections, [], 400, 200)[1] == 0
