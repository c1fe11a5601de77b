"""The 12 MP mosaic figures over several placements of the same photos.

``evaluate.py --mosaic 4000 3000 0.5`` packs the dataset's photos into frames
in one shuffled order (seed 0). Which photos share a frame, and where the
slice grid falls on each person, then decide a few people more or less:
on construction_site_safety_css (175 people) recall moves by about 0.03
from one seed to the next. A change to the engine is judged here on the
people of all seeds together, with the scorer's own code.

    python benchmarks/mosaic_seeds.py WORK_DIR [--seeds 0,1,2,3,4,5]
        [--dataset ../shared/eval/dev/construction_site_safety_css] [--cwd REPO]
        [--set NAME=VALUE ...] [--json]

Each seed's frames are written under WORK_DIR/seedN and anonymized by the
CLI (``python -m anonymizer``, run in ``--cwd``: another checkout of the
project can be measured with this one's Python). It prints each seed's
recall, recall under 50 px, collateral and seconds per frame, then the
figures over every seed's people together. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from benchmarks.tune_thresholds import EVALUATE, load_scorer

FIGURES = ("recall_person", "n_person", "recall_person_under50px", "collateral_share")


class ScoreArgs:
    """The scorer's defaults (evaluate.py --cover-scale 1 --max-ssim 0.5)."""

    cover_scale = 1.0
    max_ssim = 0.5


def run_seed(scorer, dataset: Path, work: Path, seed: int, cwd: Path, settings: list[str]):
    """Build one seed's frames, anonymize them, and score them: (results, frames, seconds)."""
    if work.exists():
        shutil.rmtree(work)
    frames = scorer.build_mosaics(scorer.load_dataset(dataset), work / "in", 4000, 3000, 0.5, seed)
    command = [sys.executable, "-m", "anonymizer", str(work / "in"), "--out", str(work / "out")]
    command += ["--masks", str(work / "masks"), "--report", str(work / "report.jsonl")]
    for setting in settings:
        command += ["--set", setting]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)  # noqa: S603 (our CLI)
    if done.returncode:
        raise SystemExit(f"seed {seed}: the anonymizer failed:\n{done.stderr[-3000:]}")
    seconds = time.perf_counter() - started
    results = [
        scorer.score_image(
            frame,
            work / "out" / (Path(frame["path"]).stem + ".jpg"),
            work / "masks" / (Path(frame["path"]).stem + ".png"),
            ScoreArgs,
        )
        for frame in frames
    ]
    return results, frames, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--seeds", default="0,1,2,3,4,5")
    parser.add_argument(
        "--dataset", type=Path, default=EVALUATE.parent / "dev" / "construction_site_safety_css"
    )
    parser.add_argument("--cwd", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json", action="store_true", help="print only the summary as JSON")
    args = parser.parse_args()

    scorer = load_scorer()
    every_result, every_frame, per_seed = [], [], {}
    for seed in (int(s) for s in args.seeds.split(",")):
        results, frames, seconds = run_seed(
            scorer, args.dataset, args.work / f"seed{seed}", seed, args.cwd, args.set
        )
        summary = scorer.summarize(results, frames, seconds)
        per_seed[seed] = {key: summary.get(key) for key in (*FIGURES, "seconds_per_image")}
        if not args.json:
            print(f"seed {seed}: {json.dumps(per_seed[seed])}", flush=True)
        every_result += results
        every_frame += frames
    overall = scorer.summarize(every_result, every_frame, 0)
    total = {key: overall.get(key) for key in FIGURES}
    print(
        json.dumps({"seeds": per_seed, "all": total}) if args.json else f"all: {json.dumps(total)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
