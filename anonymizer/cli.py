"""``python -m anonymizer``: anonymize photos from the command line, no database needed.

    python -m anonymizer INPUT [INPUT ...] --out OUT_DIR --masks MASK_DIR --report REPORT.jsonl
        [--zones ZONES.json] [--mode mosaic|solid] [--workers N]

Writes ``OUT_DIR/<stem>.jpg`` (anonymized), ``MASK_DIR/<stem>.png`` (255 where
redacted) and one JSON line per photo to the report. A photo that cannot be
read, or that finds the models missing, is reported on stderr and in the
report (with ``error``); the others are still written, and the exit status
is 1. Exit 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

from anonymizer.engine.config import EngineConfig

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}

_engine = None
_engine_error = None  # why this process could not load the engine, if it could not


def find_inputs(paths: list[str]) -> list[Path]:
    """Files as given, and image files found recursively in folders, sorted."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        else:
            found.append(path)
    return found


def load_zones(path: str | None) -> list:
    """Polygons from a JSON file: a list of polygons, or objects with ``polygon_xy_norm``."""
    if not path:
        return []
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict):
        data = data.get("zones", [])
    zones = [z["polygon_xy_norm"] if isinstance(z, dict) else z for z in data]
    for zone in zones:
        if not isinstance(zone, list) or len(zone) < 3:
            raise ValueError("each zone is a list of at least 3 [x, y] points in 0..1")
    return zones


def parse_settings(pairs: list[str]) -> dict:
    """``NAME=VALUE`` strings as EngineConfig overrides, typed like the defaults."""
    defaults = EngineConfig()
    overrides = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not hasattr(defaults, name):
            raise ValueError(f"unknown setting {pair!r}")
        default = getattr(defaults, name)
        if isinstance(default, bool):
            value = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(default, tuple):
            kind = type(default[0]) if default else str
            value = tuple(kind(v.strip()) for v in raw.split(",") if v.strip())
        else:
            value = type(default)(raw)
        overrides[name] = value
    return overrides


def _init_worker(config: EngineConfig) -> None:
    """Load the engine once per process. A failure is kept and reported for each photo:
    raising here would make a multiprocessing pool restart its workers forever."""
    global _engine, _engine_error
    from anonymizer.engine.pipeline import Engine

    try:
        _engine = Engine(config).load()
    except Exception as exc:
        _engine_error = f"the anonymizer could not start: {type(exc).__name__}: {exc}"


def _process(job: tuple[Path, Path, Path, list]) -> dict:
    from PIL import Image

    from anonymizer.engine.decode import ImageRejected

    source, out_dir, mask_dir, zones = job
    if _engine is None:
        return {"input": str(source), "error": _engine_error}
    started = time.perf_counter()
    try:
        data = source.read_bytes()
        result = _engine.anonymize(data, zones=zones)
    except (OSError, ImageRejected) as exc:
        return {"input": str(source), "error": str(exc)}
    except Exception as exc:  # one odd photo must not stop the others
        return {"input": str(source), "error": f"{type(exc).__name__}: {exc}"}
    output = out_dir / f"{source.stem}.jpg"
    output.write_bytes(result.anonymized_jpeg)
    Image.fromarray(result.mask.astype("uint8") * 255).save(mask_dir / f"{source.stem}.png")
    return {
        "input": str(source),
        "output": str(output),
        "width": result.width,
        "height": result.height,
        "detections": result.detections.to_records(),
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
        "seconds": round(time.perf_counter() - started, 4),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m anonymizer", description="Blur people, faces and plates in photos."
    )
    parser.add_argument("inputs", nargs="+", help="image files or folders")
    parser.add_argument("--out", required=True, help="folder for anonymized JPEGs")
    parser.add_argument("--masks", required=True, help="folder for 8-bit PNG masks")
    parser.add_argument("--report", required=True, help="JSON-lines report file")
    parser.add_argument("--zones", help="JSON file of always-blurred polygons (0..1 coordinates)")
    parser.add_argument("--mode", choices=("mosaic", "solid"), default="mosaic")
    parser.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    parser.add_argument("--max-pixels", type=int, default=EngineConfig.max_pixels)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one EngineConfig setting, e.g. --set person_slice_px=512 (repeatable)",
    )
    parser.add_argument(
        "--low-thresholds",
        action="store_true",
        help="record weak detections too (for benchmarks/tune_thresholds.py, not for publishing)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        zones = load_zones(args.zones)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read zones from {args.zones}: {exc}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    inputs = find_inputs(args.inputs)
    if not inputs:
        print("error: no images found in the given inputs", file=sys.stderr)
        return 2
    stems = {}
    for path in inputs:
        if path.stem in stems:
            print(
                f"error: {path} and {stems[path.stem]} would both be written as {path.stem}.jpg",
                file=sys.stderr,
            )
            return 2
        stems[path.stem] = path
    out_dir, mask_dir = Path(args.out), Path(args.masks)
    out_dir.mkdir(parents=True, exist_ok=True)
    mask_dir.mkdir(parents=True, exist_ok=True)
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    try:
        config = replace(
            EngineConfig(), mode=args.mode, max_pixels=args.max_pixels, **parse_settings(args.set)
        )
    except (TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.low_thresholds:
        config = replace(
            config,
            person_score=0.1,
            face_score=0.15,
            mediapipe_face_score=0.3,
            plate_score=0.3,
            merge_overlap=2.0,  # never merge: the replay merges what it keeps
        )

    jobs = [(path, out_dir, mask_dir, zones) for path in inputs]
    failures = 0
    progress = _progress(len(jobs))
    try:
        if args.workers == 1:
            _init_worker(config)
            results = map(_process, jobs)
        else:
            # Each worker loads the models once; spawn keeps the processes independent.
            pool = get_context("spawn").Pool(
                min(args.workers, os.cpu_count() or 1, len(jobs)),
                initializer=_init_worker,
                initargs=(config,),
            )
            results = pool.imap(_process, jobs)
        with open(args.report, "w") as report:
            for line in results:
                report.write(json.dumps(line) + "\n")
                if "error" in line:
                    failures += 1
                    print(f"error: {line['input']}: {line['error']}", file=sys.stderr)
                progress.update(1)
    finally:
        progress.close()
        if args.workers > 1:
            pool.close()
            pool.join()
    written = len(jobs) - failures
    print(f"{written} of {len(jobs)} photos anonymized", file=sys.stderr)
    return 1 if failures else 0


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, unit="photo", file=sys.stderr, disable=total < 2, leave=False)
