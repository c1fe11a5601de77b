"""The one box type of the engine (after supervision's ``Detections``).

Boxes are absolute pixel ``xyxy`` in the full photo, validated when built:
a backend converts its model's relative or (y, x) boxes before returning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LABELS = ("person", "head", "face", "plate", "vehicle")


@dataclass(frozen=True)
class Detections:
    """``n`` boxes: ``xyxy`` (n, 4) float32, ``score`` (n,) float32, ``label`` (n,) str.

    Raises ValueError on mismatched lengths, non-finite or inverted boxes,
    scores outside 0..1 or unknown labels.
    """

    xyxy: np.ndarray
    score: np.ndarray
    label: np.ndarray

    def __post_init__(self):
        xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        score = np.asarray(self.score, dtype=np.float32).reshape(-1)
        label = np.asarray(self.label, dtype=object).reshape(-1)
        if not (len(xyxy) == len(score) == len(label)):
            raise ValueError("xyxy, score and label must have the same length")
        if not np.isfinite(xyxy).all():
            raise ValueError("boxes must be finite")
        if (xyxy[:, 2] < xyxy[:, 0]).any() or (xyxy[:, 3] < xyxy[:, 1]).any():
            raise ValueError("boxes must have x2 >= x1 and y2 >= y1")
        if ((score < 0) | (score > 1)).any():
            raise ValueError("scores must lie in 0..1")
        unknown = set(label) - set(LABELS)
        if unknown:
            raise ValueError(f"unknown labels: {sorted(unknown)}")
        object.__setattr__(self, "xyxy", xyxy)
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "label", label)

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, object))

    @classmethod
    def merge(cls, parts: list[Detections]) -> Detections:
        """Concatenate several sets of boxes."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.xyxy for p in parts]),
            np.concatenate([p.score for p in parts]),
            np.concatenate([p.label for p in parts]),
        )

    @classmethod
    def from_lists(cls, boxes, scores, label: str) -> Detections:
        """Boxes of one label from Python or numpy sequences."""
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        return cls(boxes, scores, np.full(len(boxes), label, dtype=object))

    def __len__(self) -> int:
        return len(self.score)

    def __getitem__(self, index) -> Detections:
        return Detections(self.xyxy[index], self.score[index], self.label[index])

    def with_label(self, *labels: str) -> Detections:
        return self[np.isin(self.label, labels)]

    @property
    def heights(self) -> np.ndarray:
        return self.xyxy[:, 3] - self.xyxy[:, 1]

    @property
    def widths(self) -> np.ndarray:
        return self.xyxy[:, 2] - self.xyxy[:, 0]

    def shifted(self, dx: float, dy: float) -> Detections:
        """The boxes moved by (dx, dy): from a slice's coordinates to the photo's."""
        return Detections(
            self.xyxy + np.array([dx, dy, dx, dy], np.float32), self.score, self.label
        )

    def scaled(self, factor: float) -> Detections:
        return Detections(self.xyxy * np.float32(factor), self.score, self.label)

    def clipped(self, width: int, height: int) -> Detections:
        """Boxes clipped to the frame; boxes left with no area are dropped."""
        xyxy = self.xyxy.copy()
        xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, width)
        xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, height)
        keep = (xyxy[:, 2] > xyxy[:, 0]) & (xyxy[:, 3] > xyxy[:, 1])
        return Detections(xyxy[keep], self.score[keep], self.label[keep])

    def padded(self, ratio_x: float, ratio_y: float | None = None) -> Detections:
        """Each box enlarged by ``ratio`` of its width/height on every side (deface ``scale_bb``)."""
        ratio_y = ratio_x if ratio_y is None else ratio_y
        w, h = self.widths, self.heights
        pad = np.stack([-w * ratio_x, -h * ratio_y, w * ratio_x, h * ratio_y], axis=1)
        return Detections(self.xyxy + pad, self.score, self.label)

    def to_records(self) -> list[dict]:
        """JSON-ready ``{"label", "score", "box": [x1, y1, x2, y2]}`` dictionaries."""
        return [
            {
                "label": str(label),
                "score": round(float(score), 4),
                "box": [round(float(v), 1) for v in box],
            }
            for box, score, label in zip(self.xyxy, self.score, self.label, strict=True)
        ]


def box_intersections(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection areas of (n, 4) and (m, 4) xyxy boxes, shape (n, m)."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    return np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection over union of (n, 4) and (m, 4) xyxy boxes, shape (n, m)."""
    inter = box_intersections(a, b)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-6)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of the boxes non-maximum suppression keeps (best first), for a model's raw
    output; the engine itself merges overlapping boxes instead (``merge_overlapping``)."""
    import cv2

    if not len(boxes):
        return np.zeros(0, dtype=int)
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    keep = cv2.dnn.NMSBoxes(xywh.tolist(), scores.tolist(), 0.0, iou_threshold)
    return np.asarray(keep, dtype=int).reshape(-1)


def merge_overlapping(detections: Detections, min_overlap: float = 0.3) -> Detections:
    """See ``merge_overlapping_counted``; this returns only the merged boxes."""
    return merge_overlapping_counted(detections, min_overlap)[0]


def merge_overlapping_counted(
    detections: Detections, min_overlap: float = 0.3
) -> tuple[Detections, np.ndarray]:
    """Replace each group of same-label boxes that overlap by their union box.

    Two boxes join a group when their intersection covers ``min_overlap`` of
    the smaller one. For blurring, a union is safer than dropping a box as
    NMS does: a person cut in two by a slice edge comes out whole. The score
    of a group is its best score. Also returns how many boxes each group
    joined: an object seen in several passes or slices is better supported.
    """
    if len(detections) < 2:
        return detections, np.ones(len(detections), dtype=int)
    out, counts = [], []
    for label in dict.fromkeys(detections.label):
        group = detections.with_label(label)
        boxes, scores = group.xyxy.astype(np.float64), group.score
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        inter = box_intersections(boxes, boxes)
        smaller = np.minimum(areas[:, None], areas[None, :])
        linked = inter >= min_overlap * np.maximum(smaller, 1e-6)
        roots = _components(linked)
        for root in dict.fromkeys(roots):
            members = roots == root
            counts.append(int(members.sum()))
            b = boxes[members]
            out.append(
                Detections.from_lists(
                    [[b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()]],
                    [scores[members].max()],
                    label,
                )
            )
    return Detections.merge(out), np.array(counts, dtype=int)


def _components(linked: np.ndarray) -> np.ndarray:
    """Connected-component label of each node of a boolean adjacency matrix (union-find)."""
    parent = list(range(len(linked)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(linked, 1)), strict=True):
        parent[find(i)] = find(j)
    return np.array([find(i) for i in range(len(linked))])
