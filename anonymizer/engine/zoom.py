"""A closer look at weak person boxes: the zoom check.

Small, distant workers get weak scores from both SSD and people_net, among
many weak boxes on machines, shadows and signs; any threshold low enough to
keep the workers blurs the machines too (``weights/MODEL_CARD.md``). SSD,
however, scores people well once they fill a good part of its 300x300 input.
So a weak box on which both models agree is cut out around its centre, at
``zoom_contexts[0]`` times its long side, enlarged to SSD's input and looked
at again; when SSD finds a person there (``zoom_score``, matching the box),
the same is done at each further context (closer). A box confirmed at every
context becomes a person, with the box of the first look.

On the dev sets (``TUNING.md``, engine 1.4) this adds the small workers
without blurring more people-free photos; its cost is one SSD pass per
candidate.

The same closer look checks people_net's weakest heads (``confirm_weak_heads``):
one that no person box holds, and under which SSD finds no body, is mostly a
round object in a people-free photo.
"""

from __future__ import annotations

import numpy as np

from anonymizer.engine.backends import get_backend
from anonymizer.engine.boxes import Detections, box_intersections, box_iou, nms
from anonymizer.engine.config import EngineConfig

# Grey, as the slices' and training crops' padding: neither person nor texture.
_PAD_VALUE = 114
# A crop is never smaller than this (pixels of the photo): tiny boxes still get context.
_MIN_CROP_PX = 48


def zoom_applies(width: int, height: int, config: EngineConfig) -> bool:
    """Whether a photo of this size gets the zoom check (``zoom_check``, ``zoom_max_side``)."""
    return (
        config.zoom_check
        and "people_net" in config.backends
        and max(width, height) <= config.zoom_max_side
    )


def zoom_candidates(
    ssd_people: Detections, net_people: Detections, people: Detections, config: EngineConfig
) -> Detections:
    """The weak person boxes worth a closer look, strongest first.

    ``ssd_people``: SSD's person boxes of every pass, from ``zoom_ssd_score``;
    ``net_people``: people_net's, from ``zoom_net_score``; ``people``: the
    person boxes already kept. A candidate is a box of either model that
    overlaps a box of the other (IoU ``zoom_agree_iou``) and lies mostly
    outside the kept people; near-duplicates are merged (NMS). At most
    ``zoom_max_checks`` are returned.
    """
    ssd_people = ssd_people[ssd_people.score >= config.zoom_ssd_score]
    net_people = net_people[net_people.score >= config.zoom_net_score]
    if not len(ssd_people) or not len(net_people):
        return Detections.empty()
    pool = Detections.merge([ssd_people, net_people]).with_label("person")
    pool = pool[nms(pool.xyxy, pool.score, 0.5)]
    if len(people):
        inside = box_intersections(pool.xyxy, people.xyxy).max(axis=1)
        pool = pool[inside < 0.6 * np.maximum(pool.widths * pool.heights, 1e-6)]
    if not len(pool):
        return pool
    agree = (box_iou(pool.xyxy, ssd_people.xyxy).max(axis=1) >= config.zoom_agree_iou) & (
        box_iou(pool.xyxy, net_people.xyxy).max(axis=1) >= config.zoom_agree_iou
    )
    return pool[agree][: config.zoom_max_checks]


def square_crop(image: np.ndarray, box: np.ndarray, context: float) -> tuple[np.ndarray, int, int]:
    """A square around ``box``'s centre, ``context`` times its long side, grey beyond the
    photo; and the crop's top-left corner in the photo (possibly negative)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    side = round(max(_MIN_CROP_PX, context * max(x2 - x1, y2 - y1)))
    left = round((x1 + x2) / 2 - side / 2)
    top = round((y1 + y2) / 2 - side / 2)
    return _cut(image, left, top, side), left, top


def _cut(image: np.ndarray, left: int, top: int, side: int) -> np.ndarray:
    """The square ``side`` x ``side`` from (left, top), grey where it leaves the photo."""
    h, w = image.shape[:2]
    crop = np.full((side, side, 3), _PAD_VALUE, np.uint8)
    ix1, iy1, ix2, iy2 = max(0, left), max(0, top), min(w, left + side), min(h, top + side)
    if ix2 > ix1 and iy2 > iy1:
        crop[iy1 - top : iy2 - top, ix1 - left : ix2 - left] = image[iy1:iy2, ix1:ix2]
    return crop


def zoom_check(image: np.ndarray, candidates: Detections, config: EngineConfig) -> Detections:
    """The candidates SSD confirms as people at every zoom context, as person boxes."""
    ssd = get_backend(config.ssd_backend)
    h, w = image.shape[:2]
    alive = np.arange(len(candidates))
    first: Detections | None = None
    for context in config.zoom_contexts:
        if not len(alive):
            break
        crops, corners = [], []
        for box in candidates.xyxy[alive]:
            crop, left, top = square_crop(image, box, context)
            crops.append(crop)
            corners.append((left, top))
        results = ssd.detect_many(crops, min_score=config.zoom_score, batch_size=config.slice_batch)
        still, seen = [], []
        for k, (result, (left, top)) in enumerate(zip(results, corners, strict=True)):
            people = result.with_label("person").shifted(left, top)
            if not len(people):
                continue
            match = box_iou(people.xyxy, candidates.xyxy[alive[k] : alive[k] + 1])[:, 0]
            ok = match >= config.zoom_match_iou
            if first is not None:  # a closer look must find the same person as the first
                ok &= box_iou(people.xyxy, first.xyxy[k : k + 1])[:, 0] >= config.zoom_repeat_iou
            if ok.any():
                best = int(np.argmax(np.where(ok, people.score, -1)))
                still.append(k)
                seen.append(people[best : best + 1])
        alive = alive[still]
        first = Detections.merge(seen) if first is None else first[np.asarray(still, dtype=int)]
    if first is None or not len(alive):
        return Detections.empty()
    return first.clipped(w, h)


def head_has_body(heads: Detections, people: Detections) -> np.ndarray:
    """For each head, whether a person box holds it in its top part (70 % of the head
    inside, the head's centre in the top 40 % of the person)."""
    if not len(heads) or not len(people):
        return np.zeros(len(heads), bool)
    inside = box_intersections(heads.xyxy, people.xyxy)
    areas = np.maximum(heads.widths * heads.heights, 1e-6)
    centre_y = (heads.xyxy[:, 1] + heads.xyxy[:, 3]) / 2
    top_part = centre_y[:, None] <= people.xyxy[None, :, 1] + 0.4 * people.heights[None, :]
    return ((inside >= 0.7 * areas[:, None]) & top_part).any(axis=1)


def confirm_weak_heads(
    image: np.ndarray, heads: Detections, people: Detections, config: EngineConfig
) -> Detections:
    """The heads to keep: those from ``head_check_below`` up, and weaker ones on a body.

    A weak head's body is looked for in the kept ``people`` first, then by
    SSD (from ``zoom_score``) on a crop around and below the head
    (``head_check_context`` heads wide and tall, from one head above it).
    """
    weak = heads.score < config.head_check_below
    if not weak.any():
        return heads
    keep = ~weak | head_has_body(heads, people)
    todo = np.nonzero(~keep)[0]
    if not len(todo):
        return heads[keep]
    ssd = get_backend(config.ssd_backend)
    crops, corners = [], []
    for x1, y1, x2, y2 in heads.xyxy[todo]:
        head = max(x2 - x1, y2 - y1)
        side = round(max(_MIN_CROP_PX, config.head_check_context * head))
        left, top = round((x1 + x2) / 2 - side / 2), round(y1 - head)
        crops.append(_cut(image, left, top, side))
        corners.append((left, top))
    looks = ssd.detect_many(crops, min_score=config.zoom_score, batch_size=config.slice_batch)
    for k, look in enumerate(looks):
        found = look.with_label("person").shifted(*corners[k])
        keep[todo[k]] = head_has_body(heads[todo[k] : todo[k] + 1], found)[0]
    return heads[keep]
