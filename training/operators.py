"""People inside machines: a focus file of the operators behind cab glass in the training data.

Operators behind cab glass are the largest group of people the engine misses
(``anonymizer/engine/weights/MODEL_CARD.md``), and they are rare in the
training data: about 34 of CSS train's 2299 people. This finds them, as the
annotated people lying mostly inside a machine that the engine's SSD is sure
of, and writes them as a focus file, so that a trainer draws them more often
than their share (``--focus FILE --focus-share P`` of ``train.py`` and
``ssd_train.py``)::

    python -m training.operators --out var/training/operators.json

A person in front of a machine can lie inside its box too (about 4 of 38 on
CSS train, looked at): the file is a weighting, not a label.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from anonymizer.engine.boxes import box_intersections
from anonymizer.engine.slicing import slice_boxes
from training.data import load_items, read_rgb
from training.model import CLASSES
from training.train import DEFAULT_DATA

PERSON = CLASSES.index("person")


def inside_machines(people: np.ndarray, machines: np.ndarray, share: float = 0.8) -> np.ndarray:
    """For each person box (n, 4), whether at least ``share`` of it lies inside one machine
    box (m, 4)."""
    people = np.asarray(people, np.float64).reshape(-1, 4)
    machines = np.asarray(machines, np.float64).reshape(-1, 4)
    if not len(people) or not len(machines):
        return np.zeros(len(people), bool)
    areas = np.maximum((people[:, 2] - people[:, 0]) * (people[:, 3] - people[:, 1]), 1e-6)
    return (box_intersections(people, machines) >= share * areas[:, None]).any(axis=1)


def machines_in(image: np.ndarray, min_score: float = 0.7, slice_px: int = 320) -> np.ndarray:
    """SSD's vehicle boxes from ``min_score`` on the whole photo and on ``slice_px`` slices,
    as the engine looks at a photo."""
    from anonymizer.engine.backends import get_backend

    ssd = get_backend("ssd_coco")
    h, w = image.shape[:2]
    corners = [(0, 0, w, h)]
    if max(h, w) >= 1.3 * slice_px:
        corners += slice_boxes(w, h, slice_px, 0.2)
    crops = [image[y1:y2, x1:x2] for x1, y1, x2, y2 in corners]
    found = ssd.detect_many(crops, min_score=min_score, batch_size=8)
    boxes = [
        result.with_label("vehicle").shifted(x1, y1).xyxy
        for (x1, y1, _, _), result in zip(corners, found, strict=True)
    ]
    return np.concatenate(boxes).reshape(-1, 4)


def find_operators(folders: list[Path], min_score: float = 0.7, share: float = 0.8) -> list[dict]:
    """The focus entries ``{"file", "box"}`` of every labelled person inside a machine, on
    photos whose people are labelled exhaustively."""
    focus = []
    for folder in folders:
        for item in load_items([folder]):
            people = item.boxes[item.labels == PERSON]
            if not item.exhaustive[PERSON] or not len(people):
                continue
            machines = machines_in(read_rgb(item.path), min_score)
            file = f"{folder.name}/{item.path.relative_to(folder).as_posix()}"
            for box in people[inside_machines(people, machines, share)]:
                focus.append({"file": file, "box": [round(float(v), 1) for v in box]})
    return focus


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=[str(p) for p in DEFAULT_DATA])
    parser.add_argument("--out", required=True)
    parser.add_argument("--min-score", type=float, default=0.7, help="SSD vehicle score")
    parser.add_argument("--share", type=float, default=0.8, help="of the person in the machine")
    args = parser.parse_args(argv)
    focus = find_operators([Path(p) for p in args.data], args.min_score, args.share)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(focus, indent=1))
    print(f"{len(focus)} people inside machines, in {len({f['file'] for f in focus})} photos")


if __name__ == "__main__":
    main()
