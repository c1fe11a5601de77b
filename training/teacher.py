"""Teacher person boxes for a source that labels heads only (Hard Hat Workers).

    python -m training.teacher ../shared/train/hard_hat_workers_train var/training/teacher_hhw

Such a source gives the person class no negatives: its people are not all
boxed. The engine's SSD (COCO) adds the people it is sure of (score at least
``--score``); where it is unsure, and around every labelled head that no
person box holds, the person class is ignored. The rest of the photo then
counts as "no person here", so the set teaches person negatives on
construction backgrounds. Writes ``annotations.json`` (same format, with
absolute file paths and ``ignore`` boxes) into the output folder; the photos
stay where they are.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np


def head_regions(heads: np.ndarray, width: int, height: int) -> np.ndarray:
    """Where the body under each head may be: 3 head widths wide, 7 head heights down."""
    w, h = heads[:, 2] - heads[:, 0], heads[:, 3] - heads[:, 1]
    cx = (heads[:, 0] + heads[:, 2]) / 2
    regions = np.stack([cx - 1.5 * w, heads[:, 1] - 0.3 * h, cx + 1.5 * w, heads[:, 1] + 7 * h], 1)
    return np.clip(regions, 0, [width, height, width, height]).astype(np.float32)


def centres_inside(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """For each ``inner`` box, whether its centre lies in any ``outer`` box."""
    if not len(inner) or not len(outer):
        return np.zeros(len(inner), bool)
    cx, cy = (inner[:, 0] + inner[:, 2]) / 2, (inner[:, 1] + inner[:, 3]) / 2
    inside = (
        (outer[None, :, 0] <= cx[:, None])
        & (cx[:, None] <= outer[None, :, 2])
        & (outer[None, :, 1] <= cy[:, None])
        & (cy[:, None] <= outer[None, :, 3])
    )
    return inside.any(axis=1)


def teach_entry(entry: dict, people: np.ndarray, scores: np.ndarray, sure: float) -> dict:
    """One annotation entry with the teacher's people, its doubts and the heads' bodies."""
    boxes = [list(b) for b in entry["boxes"]]
    labelled = np.array([b[:4] for b in boxes if b[4] == "person"], np.float32).reshape(-1, 4)
    heads = np.array([b[:4] for b in boxes if b[4] == "head"], np.float32).reshape(-1, 4)
    confident = people[scores >= sure]
    new = confident[~centres_inside(confident, labelled)]
    boxes += [[*map(float, b), "person"] for b in new]
    known = np.concatenate([labelled, new])
    unsure = people[scores < sure]
    bodies = head_regions(heads[~centres_inside(heads, known)], entry["width"], entry["height"])
    ignore = [[*map(float, b), "person"] for b in np.concatenate([unsure, bodies])]
    exhaustive = sorted(set(entry.get("exhaustive", [])) | {"person"})
    return {**entry, "boxes": boxes, "ignore": ignore, "exhaustive": exhaustive}


def teach(folder: Path, out: Path, sure: float = 0.6, doubt: float = 0.2) -> Path:
    from anonymizer.engine.backends import get_backend

    ssd = get_backend("ssd_coco")
    entries = json.loads((folder / "annotations.json").read_text())
    taught = []
    for entry in entries:
        path = (folder / entry["file"]).resolve()
        image = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        found = ssd(image, min_score=doubt).with_label("person")
        taught.append(teach_entry({**entry, "file": str(path)}, found.xyxy, found.score, sure))
    out.mkdir(parents=True, exist_ok=True)
    (out / "annotations.json").write_text(json.dumps(taught))
    added = sum(len(t["boxes"]) - len(e["boxes"]) for t, e in zip(taught, entries, strict=True))
    print(f"{len(taught)} photos, {added} teacher person boxes -> {out / 'annotations.json'}")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--score", type=float, default=0.6, help="the teacher is sure above this")
    parser.add_argument("--doubt", type=float, default=0.2, help="ignored between this and --score")
    args = parser.parse_args(argv)
    teach(args.folder, args.out, args.score, args.doubt)


if __name__ == "__main__":
    main()
