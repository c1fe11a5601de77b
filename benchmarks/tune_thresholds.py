"""Replay a low-threshold run of the anonymizer at other thresholds, and score each.

1. Run the CLI once through ../shared/eval/evaluate.py with low thresholds
   (ANONYMIZER_TUNING=1 lowers them, see EngineConfig.for_tuning).
2. This script re-filters the recorded detections at each candidate setting,
   rebuilds mask and redaction from the input photo, and scores them with the
   scorer's own functions. Merged groups keep their best score, so the replay
   is close to, not exactly, a fresh run; confirm the choice with a real run.

    python benchmarks/tune_thresholds.py DATASET_DIR WORK_DIR person_score=0.25,0.3 face_score=0.4
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from anonymizer.engine.boxes import Detections, merge_overlapping
from anonymizer.engine.config import EngineConfig
from anonymizer.engine.decode import decode_image
from anonymizer.engine.detect import select_people
from anonymizer.engine.encode import encode_jpeg
from anonymizer.engine.mask import build_regions, regions_mask
from anonymizer.engine.redact import redact

EVALUATE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "evaluate.py"


def load_scorer():
    spec = importlib.util.spec_from_file_location("evaluate", EVALUATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score_thresholds(label_score: dict[str, float]):
    def keep(record):
        return record["score"] >= label_score.get(record["label"], 0.0)

    return keep


def replay(dataset: Path, work: Path, config: EngineConfig, thresholds: dict, scorer) -> dict:
    entries = scorer.load_dataset(dataset)
    reports = [json.loads(line) for line in (work / "report.jsonl").read_text().splitlines()]
    by_stem = {Path(r["input"]).stem: r for r in reports}
    keep = score_thresholds(thresholds)

    class Args:
        cover_scale = 1.0
        max_ssim = 0.5

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for index, entry in enumerate(entries):
            stem = f"{index:05d}"
            source = next((work / "in").glob(stem + ".*"))
            entry["path"] = source
            records = [r for r in by_stem[stem].get("detections", []) if keep(r)]
            raw = Detections.merge(
                [Detections.from_lists([r["box"]], [r["score"]], r["label"]) for r in records]
            )
            people = select_people(raw.with_label("person", "vehicle"), config)
            others = merge_overlapping(
                raw.with_label("face", "head", "plate"), config.merge_overlap
            )
            detections = Detections.merge([people, others])
            image = np.asarray(decode_image(source.read_bytes()))
            h, w = image.shape[:2]
            regions = build_regions(detections, w, h, config)
            (tmp / "o.jpg").write_bytes(encode_jpeg(redact(image, regions, config), quality=88))
            Image.fromarray(regions_mask(regions, w, h).astype(np.uint8) * 255).save(tmp / "m.png")
            results.append(scorer.score_image(entry, tmp / "o.jpg", tmp / "m.png", Args))
    return scorer.summarize(results, entries, 1.0)


def main(argv: list[str]) -> None:
    dataset, work, *specs = argv
    grid = {}
    for spec in specs:
        name, values = spec.split("=")
        grid[name] = [int(v) if v.isdigit() else float(v) for v in values.split(",")]
    scorer = load_scorer()
    for combo in itertools.product(*grid.values()):
        setting = dict(zip(grid, combo, strict=True))
        config = replace(
            EngineConfig(),
            **{k: v for k, v in setting.items() if k not in ("face_score", "plate_score")},
        )
        thresholds = {
            "person": 0.0,  # select_people applies person_score and the support rule
            "face": setting.get("face_score", EngineConfig.face_score),
            "plate": setting.get("plate_score", EngineConfig.plate_score),
            "vehicle": 1.1,
        }
        summary = replay(Path(dataset), Path(work), config, thresholds, scorer)
        keys = [
            k
            for k in summary
            if k.startswith("recall") or k in ("honesty", "collateral_share", "clean_fp_rate")
        ]
        print(setting, {k: summary[k] for k in keys}, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
