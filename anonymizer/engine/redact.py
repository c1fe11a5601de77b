"""Irreversible redaction: a coarse mosaic scaled to each region, then a blur; or a solid fill."""

from __future__ import annotations

import math

import cv2
import numpy as np

from anonymizer.engine.config import EngineConfig
from anonymizer.engine.mask import Region

# Gaussian sigma after the mosaic, in blocks: strong enough that a big worker's
# region keeps no structure (SSIM at 48 px high well below 0.5).
BLUR_SIGMA_BLOCKS = 0.8
# Grain added to each block, in grey levels: block averages then no longer
# carry the original's exact values.
BLOCK_NOISE_LEVELS = 12.0
# Fine grain, in grey levels, in cells of 1/48 of the worked area's longer side: a
# dark, low-contrast plate would otherwise come out as a smooth patch that is
# as featureless as its original, and no measure could tell it was redacted.
FINE_GRAIN_LEVELS = 8.0
FINE_GRAIN_CELLS = 48
# Regions that identify on their own (face and head ellipses, plates).
DETAIL_KINDS = ("face", "plate")


def block_size(region: Region, config: EngineConfig) -> int:
    """Mosaic block side for a region: its longer side cut into ``mosaic_blocks`` blocks,
    or ``mosaic_blocks_detail`` for faces, heads and plates."""
    blocks = config.mosaic_blocks_detail if region.kind in DETAIL_KINDS else config.mosaic_blocks
    return max(config.mosaic_min_block_px, math.ceil(region.size_px / blocks))


def _mosaic_then_blur(crop: np.ndarray, block: int, seed: list[int]) -> np.ndarray:
    """One average per ``block`` x ``block`` square, blurred, then spread back smoothly.

    Working on the block grid keeps the cost independent of the block size: a
    road zone with 400 px blocks costs no more than a face with 5 px ones.
    """
    h, w = crop.shape[:2]
    grid = (max(1, math.ceil(w / block)), max(1, math.ceil(h / block)))
    small = cv2.resize(crop, grid, interpolation=cv2.INTER_AREA)
    if min(grid) > 1:
        small = cv2.GaussianBlur(small, (0, 0), BLUR_SIGMA_BLOCKS, borderType=cv2.BORDER_REPLICATE)
    # Seeded by the region's place: the same photo always gets the same result.
    rng = np.random.default_rng(seed)
    grain = rng.normal(0, BLOCK_NOISE_LEVELS, small.shape[:2])
    small = (small.astype(np.float32) + grain[..., None]).clip(0, 255)
    smooth = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    cell = max(1, max(h, w) // FINE_GRAIN_CELLS)
    fine = rng.normal(0, FINE_GRAIN_LEVELS, (math.ceil(h / cell), math.ceil(w / cell)))
    fine = cv2.resize(fine, (w, h), interpolation=cv2.INTER_NEAREST)
    # In place: the same sums as (smooth + fine).clip(0, 255), without two temporaries.
    smooth += fine[..., None]
    return np.clip(smooth, 0, 255, out=smooth).astype(np.uint8)


def redact(image: np.ndarray, regions: list[Region], config: EngineConfig) -> np.ndarray:
    """A copy of ``image`` (RGB) with every region's detail destroyed.

    Larger regions are done first and each region works on the already
    redacted picture, so no step ever re-reads original pixels that an
    earlier step destroyed.
    """
    out = image.copy()
    for region in sorted(regions, key=lambda r: r.size_px, reverse=True):
        view = out[region.y1 : region.y2, region.x1 : region.x2]
        if config.mode == "solid":
            np.copyto(view, np.asarray(config.solid_rgb, out.dtype), where=region.mask[..., None])
            continue
        block = block_size(region, config)
        # Work on a margin around the region so its blocks see the same context.
        pad = block
        H, W = out.shape[:2]
        px1, py1 = max(0, region.x1 - pad), max(0, region.y1 - pad)
        px2, py2 = min(W, region.x2 + pad), min(H, region.y2 + pad)
        seed = [region.x1, region.y1, region.x2, region.y2]
        redacted = _mosaic_then_blur(out[py1:py2, px1:px2], block, seed)
        inner = redacted[region.y1 - py1 : region.y2 - py1, region.x1 - px1 : region.x2 - px1]
        # copyto with a mask: the same pixels as view[mask] = inner[mask], without
        # gathering them into a temporary (half of a crowded 12 MP photo's redaction).
        np.copyto(view, inner, where=region.mask[..., None])
    return out
