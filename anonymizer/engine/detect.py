"""Find people, faces/heads and plates by combining backends, scales and slices."""

from __future__ import annotations

import time

import numpy as np

from anonymizer.engine.backends import get_backend
from anonymizer.engine.boxes import (
    Detections,
    box_intersections,
    merge_overlapping,
    merge_overlapping_counted,
)
from anonymizer.engine.config import EngineConfig
from anonymizer.engine.slicing import slice_boxes
from anonymizer.engine.zoom import (
    confirm_weak_heads,
    zoom_applies,
    zoom_candidates,
    zoom_check,
)


def people_slices(width: int, height: int, config: EngineConfig) -> list[tuple]:
    """The slices the people pass looks at, besides the whole frame.

    Photos up to ``small_photo_max_side`` get slices of ``person_slice_px`` and
    ``small_photo_slice_px``; larger ones of ``large_photo_slice_px`` only. A
    size is used when the photo is at least ``slice_min_ratio`` slices long.
    """
    if max(width, height) <= config.small_photo_max_side:
        sizes = [config.person_slice_px, config.small_photo_slice_px]
    else:
        sizes = [config.large_photo_slice_px]
    return [
        box
        for slice_px in dict.fromkeys(sizes)
        if max(width, height) >= slice_px * config.slice_min_ratio
        for box in slice_boxes(width, height, slice_px, config.slice_overlap)
    ]


def detect_people_and_vehicles(image: np.ndarray, config: EngineConfig) -> Detections:
    """People and vehicles (SSD), plus people and heads from people_net when configured.

    SSD makes a whole-frame pass plus overlapping slices at each slice size.
    Boxes of the same object found in several slices, or cut by a slice
    edge, are merged into their union. Weak person boxes both models agree
    on then get a closer look (``zoom.py``) when ``zoom_check`` is on.
    """
    ssd = get_backend(config.ssd_backend)
    h, w = image.shape[:2]
    zoom = zoom_applies(w, h, config)
    min_score = min(config.person_score, config.vehicle_score)
    if zoom:
        min_score = min(min_score, config.zoom_ssd_score)
    crops, offsets = [image], [(0, 0)]
    for x1, y1, x2, y2 in people_slices(w, h, config):
        crops.append(image[y1:y2, x1:x2])
        offsets.append((x1, y1))
    results = ssd.detect_many(crops, min_score=min_score, batch_size=config.slice_batch)
    raw = Detections.merge(
        [result.shifted(dx, dy) for (dx, dy), result in zip(offsets, results, strict=True)]
    )
    people = select_people(raw, config)
    if "people_net" in config.backends:
        # Its heads travel with the people (detect_all keeps every label).
        own, weak = detect_people_net(image, config)
        if zoom:
            candidates = zoom_candidates(
                raw.with_label("person"), weak, people.with_label("person"), config
            )
            own = Detections.merge([own, zoom_check(image, candidates, config)])
        bodies = Detections.merge([people, own]).with_label("person")
        heads = confirm_weak_heads(image, own.with_label("head"), bodies, config)
        own = Detections.merge([own.with_label("person"), heads])
        people = merge_overlapping(Detections.merge([people, own]), config.merge_overlap)
    return people.clipped(w, h)


def detect_people_net(image: np.ndarray, config: EngineConfig) -> tuple[Detections, Detections]:
    """The project's own detector: people and heads, whole frame plus slices for large photos.

    Returns the boxes above ``people_net_person_score`` / ``people_net_head_score``,
    and its person boxes from ``zoom_net_score`` (candidates for the zoom check;
    empty when that is off). Called once per photo (its heads are kept for
    ``detect_faces``).
    """
    net = get_backend("people_net")
    h, w = image.shape[:2]
    zoom = zoom_applies(w, h, config)
    low = min(config.people_net_person_score, config.people_net_head_score)
    if zoom:
        low = min(low, config.zoom_net_score)
    found = [net(image, min_score=low, input_long_side=min(max(h, w), config.people_net_long_side))]
    if config.people_net_slice_px and max(h, w) > config.people_net_long_side:
        for x1, y1, x2, y2 in slice_boxes(w, h, config.people_net_slice_px, config.slice_overlap):
            found.append(net(image[y1:y2, x1:x2], min_score=low).shifted(x1, y1))
    raw = Detections.merge(found).clipped(w, h)
    keep = np.where(
        raw.label == "person",
        raw.score >= config.people_net_person_score,
        raw.score >= config.people_net_head_score,
    )
    weak = raw.with_label("person")
    weak = weak[weak.score >= config.zoom_net_score] if zoom else weak[:0]
    return merge_overlapping(raw[keep], config.merge_overlap), weak


def select_people(raw: Detections, config: EngineConfig) -> Detections:
    """Merge the raw boxes of all passes and keep the credible ones.

    A person box is kept when its best score reaches ``person_confirm_score``,
    or when it reaches ``person_score`` and at least ``person_min_support``
    boxes (from the whole-frame pass, overlapping slices or scales) agree.
    Weak boxes seen once are mostly machines and shadows.
    """
    keep = np.where(
        raw.label == "person", raw.score >= config.person_score, raw.score >= config.vehicle_score
    )
    merged, counts = merge_overlapping_counted(raw[keep], config.merge_overlap)
    credible = (
        (merged.label != "person")
        | (merged.score >= config.person_confirm_score)
        | (counts >= config.person_min_support)
    )
    return merged[credible]


def detect_faces(image: np.ndarray, people: Detections, config: EngineConfig) -> Detections:
    """Faces on the whole photo (CenterFace, MediaPipe) and heads inside and around people.

    ``people`` holds the person boxes and people_net's heads (``detect_people_and_vehicles``).
    """
    h, w = image.shape[:2]
    found = []
    if "centerface" in config.backends:
        centerface = get_backend("centerface")
        if max(h, w) <= config.face_whole_max_side:
            long_side = min(max(h, w), config.face_long_side)
            found.append(centerface(image, min_score=config.face_score, input_long_side=long_side))
        if config.head_pass:
            known = Detections.merge([*found, people.with_label("head")])
            found.append(_head_pass(image, people.with_label("person"), known, config))
    if "mediapipe_face" in config.backends:
        mediapipe = get_backend("mediapipe_face")
        found.append(mediapipe(image, min_score=config.mediapipe_face_score))
    return merge_overlapping(Detections.merge(found), config.merge_overlap).clipped(w, h)


def head_regions(people: Detections, width: int, height: int) -> np.ndarray:
    """Where each person's head should be: the top half of the box and a margin around it."""
    x1, y1, x2, y2 = people.xyxy.T
    box_w, box_h = x2 - x1, y2 - y1
    # The head sits in the top third of a standing worker; look a bit around it.
    return np.stack(
        [
            np.maximum(0, x1 - 0.25 * box_w),
            np.maximum(0, y1 - 0.15 * box_h),
            np.minimum(width, x2 + 0.25 * box_w),
            np.minimum(height, y1 + 0.5 * box_h),
        ],
        axis=1,
    ).astype(int)


def _head_pass(
    image: np.ndarray, people: Detections, known: Detections, config: EngineConfig
) -> Detections:
    """CenterFace on the upper part of each person box, upscaled for small people.

    A person whose head region already holds a head or face found by another
    pass (``known``, at least ``head_pass_known_share`` of it inside) is
    skipped: the pass would find the same head again. On crowded 12 MP photos
    this halves the pass's time.
    """
    centerface = get_backend("centerface")
    h, w = image.shape[:2]
    regions = head_regions(people, w, h)
    if len(known) and len(regions):
        inside = box_intersections(regions.astype(np.float64), known.xyxy.astype(np.float64))
        areas = np.maximum(known.widths * known.heights, 1e-6)
        has_head = (inside >= config.head_pass_known_share * areas[None, :]).any(axis=1)
    else:
        has_head = np.zeros(len(regions), bool)
    found = []
    for (cx1, cy1, cx2, cy2), box_h, skip in zip(regions, people.heights, has_head, strict=True):
        if skip or cx2 - cx1 < 8 or cy2 - cy1 < 8:
            continue
        crop = image[cy1:cy2, cx1:cx2]
        # A head is about a seventh of a person: scale so it reaches head_pass_min_px.
        scale = max(1.0, config.head_pass_min_px / max(1.0, box_h / 7))
        long_side = int(min(960, max(crop.shape[:2]) * scale))
        found.append(
            centerface(crop, min_score=config.face_score, input_long_side=long_side).shifted(
                cx1, cy1
            )
        )
    return Detections.merge(found)


def plate_sized(text: Detections, vehicle: np.ndarray, config: EngineConfig) -> Detections:
    """The text boxes small enough beside ``vehicle`` (x1, y1, x2, y2) to be its plate
    (``plate_max_vehicle_width``, ``plate_max_vehicle_height``)."""
    width, height = vehicle[2] - vehicle[0], vehicle[3] - vehicle[1]
    small = (text.widths <= config.plate_max_vehicle_width * width) & (
        text.heights <= config.plate_max_vehicle_height * height
    )
    return text[small]


def detect_plates(image: np.ndarray, vehicles: Detections, config: EngineConfig) -> Detections:
    """Plates inside each vehicle box.

    Only inside vehicles: on the whole photo the text detector also finds
    signs and lettering on machines, which would blur parts of clean photos;
    and only text of a plate's size beside its vehicle (``plate_sized``).
    """
    if "plate_text" not in config.backends:
        return Detections.empty()
    plates = get_backend("plate_text")
    h, w = image.shape[:2]
    found = []
    for vehicle, (x1, y1, x2, y2) in zip(
        vehicles.xyxy,
        vehicles.padded(config.plate_vehicle_margin).clipped(w, h).xyxy.astype(int),
        strict=True,
    ):
        if x2 - x1 < 24 or y2 - y1 < 24:
            continue
        crop = image[y1:y2, x1:x2]
        long_side = int(min(config.plate_long_side, max(crop.shape[:2]) * 2))
        text = plates(crop, min_score=config.plate_score, input_long_side=long_side)
        found.append(plate_sized(text, vehicle, config).shifted(x1, y1))
    return merge_overlapping(Detections.merge(found), config.merge_overlap).clipped(w, h)


def detect_all(image: np.ndarray, config: EngineConfig) -> tuple[Detections, dict[str, float]]:
    """Every detection in ``image`` (RGB) and the seconds each stage took."""
    timings = {}
    start = time.perf_counter()
    people_vehicles = detect_people_and_vehicles(image, config)
    timings["detect_people"] = time.perf_counter() - start

    start = time.perf_counter()
    faces = detect_faces(image, people_vehicles, config)
    timings["detect_faces"] = time.perf_counter() - start

    start = time.perf_counter()
    plates = detect_plates(image, people_vehicles.with_label("vehicle"), config)
    timings["detect_plates"] = time.perf_counter() - start
    return Detections.merge([people_vehicles, faces, plates]), timings
