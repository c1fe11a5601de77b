"""Speed and memory of the anonymization engine on large site photos.

    .venv/bin/python benchmarks/engine_bench.py [--sizes 12,24] [--repeat N] [--warmup]
        [--people-from DATASET_DIR] [--set NAME=VALUE ...] [--json]

What it measures, for each photo size (megapixels; 12 is 4000x3000, 24 is
6000x4000, other values keep the 4:3 shape):

1. A synthetic construction-site photo is drawn in memory (sky, ground, a
   building, a crane, a truck, and workers from a few dozen pixels tall near
   the horizon to a third of the frame in the foreground, with sensor-like
   noise), then saved as a JPEG at quality 90. It is drawn in a throwaway
   child process so the drawing's memory is not counted anywhere. The drawn
   workers are cartoons that the person detector may not recognise; then the
   head pass (one face-detector call per person found) is not exercised.
   ``--people-from ../shared/eval/dev/construction_site_safety_css`` pastes
   crops of real workers at the same places and sizes instead.
2. A fresh child process (multiprocessing "spawn") imports the engine and
   loads every backend once (``Engine(config).load()``): "load s" is that time
   and "base RSS MiB" the resident memory right after it (and after the
   warm-up, when ``--warmup`` is given).
3. Optional warm-up (``--warmup``, off by default): one ``anonymize`` call on a
   small 1600x1200 photo, so lazily built state (thread pools, network
   buffers) is not charged to the first measured run. It is off because a
   full-size warm-up costs as much as a run; with it off, the per-run totals
   in ``--json`` show whether the first run was slower.
4. ``engine.anonymize(jpeg_bytes)`` runs ``--repeat`` times (default 2). Each
   stage's seconds (``AnonymizationResult.timings``) and the wall-clock total
   of the call are the medians over the runs. "CPU s" is the CPU time of the
   call summed over all its threads (``time.process_time``): on a busy
   machine it changes less than the wall clock, and CPU s / 2 is about the
   best wall time two idle cores could give if the work were spread on both.
5. "peak RSS MiB" is ``ru_maxrss`` of the child read after those runs: the
   highest resident memory the process ever had, models included. The share
   due to the photo is roughly peak minus base.
6. The decode+encode floor, measured in the same child after the peak was read
   (so it cannot raise it): ``decode_image`` of the same bytes, then the
   ``encode_sizes`` call the pipeline makes (full size, display and thumbnail
   long sides, quality from ``EngineConfig``); median over ``--repeat`` runs.
   No engine can be faster than this, so "ratio" = total / floor says how much
   the detection and redaction add on top of the unavoidable image work.

"people found" is "found of placed": persons the engine reported, against
workers put in the picture (a pasted crop may hold a second person).

Targets to compare against: a 12 MP photo in at most 3.0 s on 2 cores, and at
most 2 GiB peak memory for a 24 MP photo. Timings depend on whatever else runs
on the machine: the load average before and after is printed with the table.

This is a benchmark, not a test: it asserts nothing and is not collected by pytest.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from projects.demo_images import draw_person

STAGES = (
    "decode",
    "detect_people",
    "detect_faces",
    "detect_plates",
    "mask",
    "redact",
    "encode",
)
PHOTO_QUALITY = 90
WARMUP_SIZE = (1600, 1200)


def size_for_megapixels(mp: float) -> tuple[int, int]:
    """Width and height of a 4:3 photo of ``mp`` megapixels (12 -> 4000x3000, 24 -> 6000x4000)."""
    known = {12: (4000, 3000), 24: (6000, 4000)}
    if mp in known:
        return known[mp]
    height = round((mp * 1e6 * 3 / 4) ** 0.5)
    return round(height * 4 / 3), height


# --- Drawing (pure Pillow + NumPy; projects.demo needs Django settings) ----------


def _real_people(dataset: str, count: int, rng: random.Random) -> list:
    """``count`` photos of single workers cut from a dataset in the ``shared/eval`` format.

    Each is a crop around one annotated person (a little of their background
    included) with the person's box inside it, as ``(crop, (x1, y1, x2, y2))``.
    """
    from pathlib import Path

    from PIL import Image

    root = Path(dataset)
    entries = json.loads((root / "annotations.json").read_text())
    candidates = []
    for entry in entries:
        if entry.get("construction_context") is False:
            continue
        for x1, y1, x2, y2, label in entry["boxes"]:
            if label == "person" and y2 - y1 >= 120 and (y2 - y1) > 1.3 * (x2 - x1):
                candidates.append((entry["file"], (x1, y1, x2, y2)))
    if not candidates:
        raise SystemExit(f"no person of at least 120 px in {root / 'annotations.json'}")
    people = []
    for file, (x1, y1, x2, y2) in rng.sample(candidates, min(count, len(candidates))):
        with Image.open(root / file) as photo:
            photo = photo.convert("RGB")
            pad_x, pad_y = 0.2 * (x2 - x1), 0.08 * (y2 - y1)
            box = (
                max(0, int(x1 - pad_x)),
                max(0, int(y1 - pad_y)),
                min(photo.width, int(x2 + pad_x)),
                min(photo.height, int(y2 + pad_y)),
            )
            crop = photo.crop(box)
        people.append((crop, (x1 - box[0], y1 - box[1], x2 - box[0], y2 - box[1])))
    return people


def site_photo_jpeg(
    size: tuple[int, int], seed: int = 0, people_from: str | None = None
) -> tuple[bytes, int]:
    """A JPEG of a construction site at ``size``, and how many workers it shows.

    Everything scales with the frame, so a 24 MP photo shows the same scene
    as a 12 MP one with more pixels per worker. Deterministic for a seed.
    The workers are drawn, or with ``people_from`` (a ``shared/eval`` dataset
    folder) cut from real photos and pasted at the same places and sizes.
    """
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)  # noqa: S311 - pictures, not secrets
    width, height = size
    s = height / 1200  # scale relative to a 1600x1200 drawing
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.36)
    for row in range(horizon):  # sky
        t = row / horizon
        draw.line([0, row, width, row], fill=(int(110 + 60 * t), int(160 + 50 * t), 230))
    draw.rectangle([0, horizon, width, height], fill=(150, 125, 95))
    for _ in range(120):  # gravel, puddles and tyre marks
        cx, cy = rng.randrange(width), rng.randrange(horizon, height)
        r = int(rng.randrange(4, 40) * s)
        tone = rng.randrange(70, 170)
        draw.ellipse([cx - r * 2, cy - r // 2, cx + r * 2, cy + r // 2], fill=(tone, tone - 10, 80))
    # Building under construction: concrete floors and columns.
    bx, floor_h, base = width // 8, height // 14, horizon + height // 12
    for level in range(5):
        top = base - (level + 1) * floor_h
        draw.rectangle([bx, top, bx + width // 3, top + floor_h // 6], fill=(175, 175, 170))
        for col in range(7):
            cx = bx + col * (width // 3) // 6
            draw.rectangle([cx, top, cx + int(8 * s), top + floor_h], fill=(160, 160, 155))
    # Tower crane.
    mast_x, jib_y = bx + width // 3 + width // 12, horizon - height // 4
    draw.rectangle([mast_x, jib_y, mast_x + int(14 * s), base], fill=(240, 190, 0))
    draw.line(
        [mast_x - width // 6, jib_y, mast_x + width // 3, jib_y],
        fill=(240, 190, 0),
        width=int(8 * s),
    )
    # A truck with a number plate.
    tx, ty = int(width * 0.62), int(height * 0.62)
    tw, th = int(420 * s), int(170 * s)
    draw.rectangle([tx, ty - th, tx + tw * 2 // 3, ty], fill=(200, 200, 210))
    draw.rectangle([tx + tw * 2 // 3, ty - th * 2 // 3, tx + tw, ty], fill=(30, 90, 170))
    draw.rectangle(
        [tx + tw * 3 // 4, ty - th * 3 // 5, tx + tw - int(10 * s), ty - th // 3],
        fill=(160, 200, 230),
    )
    for wx in (tx + tw // 6, tx + tw * 5 // 6):
        r = int(32 * s)
        draw.ellipse([wx - r, ty - r, wx + r, ty + r], fill=(25, 25, 25))
    px, py = tx + tw - int(90 * s), ty - int(40 * s)
    draw.rectangle([px, py, px + int(80 * s), py + int(20 * s)], fill=(245, 245, 245))
    draw.text((px + int(6 * s), py + int(3 * s)), "AB-123-CD", fill=(10, 10, 10), font_size=15 * s)
    # Workers: tiny near the horizon, large in the foreground (perspective).
    depths = (0.04, 0.1, 0.18, 0.3, 0.45, 0.6, 0.75, 0.9)
    real = _real_people(people_from, len(depths), rng) if people_from else []
    for index, depth in enumerate(depths):
        feet_y = int(horizon + 20 * s + depth * (height - horizon - 25 * s))
        person_h = max(12, int(height * (0.03 + 0.35 * depth**1.6)))
        lane = (index * 0.37 + rng.uniform(-0.04, 0.04)) % 0.9 + 0.05
        x = int(width * lane)
        if index < len(real):
            crop, (x1, y1, x2, y2) = real[index]
            scale = person_h / (y2 - y1)
            pasted = crop.resize(
                (max(1, round(crop.width * scale)), max(1, round(crop.height * scale))),
                Image.Resampling.LANCZOS,
            )
            image.paste(pasted, (int(x - (x1 + x2) / 2 * scale), int(feet_y - y2 * scale)))
        else:
            draw_person(draw, rng, x, feet_y, person_h)
    image = image.filter(ImageFilter.GaussianBlur(0.6 * s))
    # Sensor-like noise, so the JPEG has the size (and the decoding cost) of a real photo.
    pixels = np.asarray(image, dtype=np.int16)
    noise = np.random.default_rng(seed).integers(-14, 15, size=pixels.shape, dtype=np.int16)
    pixels += noise
    del noise
    image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    del pixels
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=PHOTO_QUALITY)
    return buffer.getvalue(), len(depths)


# --- Measurement (runs in a fresh child process per size) -----------------------


def _rss_mib() -> float:
    """Resident memory now (VmRSS), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _maxrss_mib() -> float:
    """Highest resident memory so far (ru_maxrss is in KiB on Linux), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(photo: bytes, repeat: int, warmup: bool, settings: dict | None = None) -> dict:
    """Load the engine, run it ``repeat`` times on ``photo``, then time the floor.

    ``settings`` override ``EngineConfig`` fields (``--set``)."""
    start_maxrss = _maxrss_mib()
    import numpy as np

    from anonymizer.engine.config import EngineConfig
    from anonymizer.engine.decode import decode_image
    from anonymizer.engine.encode import encode_sizes
    from anonymizer.engine.pipeline import Engine

    load_start = time.perf_counter()
    config = EngineConfig(**(settings or {}))
    engine = Engine(config).load()
    load_s = time.perf_counter() - load_start
    rss_after_load = _rss_mib()
    maxrss_after_load = _maxrss_mib()

    warmup_s = None
    if warmup:
        small, _ = site_photo_jpeg(WARMUP_SIZE, seed=1)
        begin = time.perf_counter()
        engine.anonymize(small)
        warmup_s = time.perf_counter() - begin
        del small
    base_rss = _rss_mib()

    runs = []
    people = faces = plates = 0
    for _ in range(repeat):
        begin, cpu_begin = time.perf_counter(), time.process_time()
        result = engine.anonymize(photo)
        total, cpu = time.perf_counter() - begin, time.process_time() - cpu_begin
        runs.append({"total": total, "cpu": cpu, **{k: result.timings.get(k, 0.0) for k in STAGES}})
        people = len(result.detections.with_label("person"))
        faces = len(result.detections.with_label("face", "head"))
        plates = len(result.detections.with_label("plate"))
        size = (result.width, result.height)
        masked_share = result.masked_share
        del result
    peak = _maxrss_mib()

    floors = []
    for _ in range(repeat):
        begin = time.perf_counter()
        image = decode_image(photo, max_pixels=config.max_pixels)
        array = np.asarray(image)
        sides = [None, config.display_long_side, config.thumbnail_long_side]
        encode_sizes(array, quality=config.jpeg_quality, long_sides=sides)
        floors.append(time.perf_counter() - begin)
        del image, array

    slices = _slice_count(size, config)
    return {
        "width": size[0],
        "height": size[1],
        "megapixels": round(size[0] * size[1] / 1e6, 1),
        "jpeg_mib": round(len(photo) / 2**20, 2),
        "load_s": load_s,
        "warmup_s": warmup_s,
        "floor_s": statistics.median(floors),
        "floor_runs_s": floors,
        "stages_s": {k: statistics.median(run[k] for run in runs) for k in STAGES},
        "total_s": statistics.median(run["total"] for run in runs),
        "cpu_s": statistics.median(run["cpu"] for run in runs),
        "runs": runs,
        "ratio": statistics.median(run["total"] for run in runs) / statistics.median(floors),
        "peak_rss_mib": peak,
        "base_rss_mib": base_rss,
        "rss_after_load_mib": rss_after_load,
        "maxrss_after_load_mib": maxrss_after_load,
        "maxrss_at_child_start_mib": start_maxrss,
        "people_found": people,
        "faces_found": faces,
        "plates_found": plates,
        "masked_share": masked_share,
        "ssd_inputs": slices,
        "cv2_threads": _cv2_threads(),
    }


def _slice_count(size: tuple[int, int], config) -> int:
    """How many SSD inputs (whole frame plus slices) the people stage runs."""
    from anonymizer.engine.detect import people_slices

    return 1 + len(people_slices(*size, config))


def _cv2_threads() -> int | None:
    try:
        import cv2

        return cv2.getNumThreads()
    except Exception:
        return None


def _in_child(function, *args):
    """``function(*args)`` in a fresh spawned interpreter, so its memory starts from zero."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


# --- Report ---------------------------------------------------------------------------


def markdown_table(rows: list[dict]) -> str:
    header = (
        ["MP", "floor s"]
        + [f"{stage} s" for stage in STAGES]
        + ["total s", "CPU s", "ratio", "peak RSS MiB", "base RSS MiB", "people found"]
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    for row in rows:
        cells = (
            [f"{row['megapixels']:g}", f"{row['floor_s']:.2f}"]
            + [f"{row['stages_s'][stage]:.2f}" for stage in STAGES]
            + [
                f"{row['total_s']:.2f}",
                f"{row['cpu_s']:.2f}",
                f"{row['ratio']:.1f}",
                f"{row['peak_rss_mib']:.0f}",
                f"{row['base_rss_mib']:.0f}",
                f"{row['people_found']} of {row['people_drawn']}",
            ]
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="12,24", help="megapixels, comma-separated")
    parser.add_argument("--repeat", type=int, default=2, help="anonymize runs per size")
    parser.add_argument(
        "--warmup", action="store_true", help="one small-photo warm-up call before measuring"
    )
    parser.add_argument(
        "--people-from",
        metavar="DATASET_DIR",
        help="paste workers cut from this shared/eval dataset instead of drawing them "
        "(e.g. ../shared/eval/dev/construction_site_safety_css)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one EngineConfig setting, as python -m anonymizer --set (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    from anonymizer.cli import parse_settings

    try:
        settings = parse_settings(args.set)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    sizes = [float(part) if "." in part else int(part) for part in args.sizes.split(",")]
    repeat = max(1, args.repeat)

    started = time.perf_counter()
    load_before = os.getloadavg()
    rows = []
    for mp in sizes:
        size = size_for_megapixels(mp)
        begin = time.perf_counter()
        photo, drawn = _in_child(site_photo_jpeg, size, 0, args.people_from)
        draw_s = time.perf_counter() - begin
        if not args.json:
            print(
                f"{size[0]}x{size[1]}: photo drawn in {draw_s:.1f} s "
                f"({len(photo) / 2**20:.1f} MiB JPEG), measuring...",
                file=sys.stderr,
                flush=True,
            )
        row = _in_child(measure, photo, repeat, args.warmup, settings)
        row["people_drawn"] = drawn
        rows.append(row)
    load_after = os.getloadavg()
    report = {
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "repeat": repeat,
        "warmup": args.warmup,
        "people_from": args.people_from,
        "settings": settings,
        "wall_s": time.perf_counter() - started,
        "targets": {"12mp_total_s": 3.0, "24mp_peak_rss_mib": 2048},
        "sizes": rows,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(markdown_table(rows))
    print()
    for row in rows:
        runs = ", ".join(f"{run['total']:.2f}" for run in row["runs"])
        print(
            f"- {row['megapixels']:g} MP ({row['width']}x{row['height']}, "
            f"{row['jpeg_mib']} MiB JPEG): model load {row['load_s']:.1f} s, "
            f"runs {runs} s, {row['ssd_inputs']} SSD inputs, "
            f"{row['faces_found']} faces/heads, {row['plates_found']} plates, "
            f"{row['masked_share']:.1%} masked, cv2 threads {row['cv2_threads']}"
        )
    print(
        f"- {os.cpu_count()} CPUs; load average before {load_before[0]:.2f}, "
        f"after {load_after[0]:.2f}; repeat {repeat}, warm-up {'on' if args.warmup else 'off'}; "
        f"wall {report['wall_s']:.0f} s"
    )
    print("- targets: 12 MP total <= 3.0 s on 2 cores; 24 MP peak RSS <= 2048 MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
