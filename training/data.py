"""Training samples: construction photos, augmented for fixed site cameras, with CenterNet targets.

Each source folder holds ``annotations.json`` (see ``shared/train/README.md``):
``{"file", "width", "height", "boxes": [[x1, y1, x2, y2, label], ...],
"exhaustive": [labels]}``. A class not listed in ``exhaustive`` gives no
negatives on that image: its heatmap loss only counts the labelled centres.

Augmentation aims at what site cameras see: scale jitter down to tiny people,
crops, flips, dawn/dusk/rain colours and brightness, blur, JPEG artefacts,
and people cut from other photos pasted small onto the scene.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from training.model import CLASSES, STRIDE

MIN_BOX_PX = 4  # boxes smaller than this after scaling are ignored (neither positive nor negative)


@dataclass
class Item:
    path: Path
    boxes: np.ndarray  # (n, 4) float32 pixels
    labels: np.ndarray  # (n,) int class index
    exhaustive: tuple[bool, ...]  # per class
    # (n, 5) x1, y1, x2, y2, class: neither positive nor negative there (e.g. a teacher's doubt)
    ignore: np.ndarray = field(default_factory=lambda: np.zeros((0, 5), np.float32))


def load_items(folders: list[Path]) -> list[Item]:
    """Every annotated image of the source folders."""
    items = []
    for folder in folders:
        for entry in json.loads((folder / "annotations.json").read_text()):
            boxes = [b for b in entry["boxes"] if b[4] in CLASSES]
            items.append(
                Item(
                    path=folder / entry["file"],
                    boxes=np.array([b[:4] for b in boxes], np.float32).reshape(-1, 4),
                    labels=np.array([CLASSES.index(b[4]) for b in boxes], np.int64),
                    exhaustive=tuple(c in entry.get("exhaustive", []) for c in CLASSES),
                    ignore=np.array(
                        [[*b[:4], CLASSES.index(b[4])] for b in entry.get("ignore", [])],
                        np.float32,
                    ).reshape(-1, 5),
                )
            )
    return items


def read_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f"cannot read {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class PeopleDataset:
    """Random augmented crops of ``size`` x ``size`` with their target maps."""

    def __init__(
        self,
        items: list[Item],
        size: int = 416,
        *,
        augment: bool = True,
        seed: int = 0,
        paste_probability: float = 0.25,
        mosaic_probability: float = 0.0,
        size_region: float = 0.0,
        focus: list[tuple[int, np.ndarray]] = (),
        focus_probability: float = 0.0,
    ):
        if size % 32:
            raise ValueError("size must be a multiple of 32")
        self.items, self.size, self.augment = items, size, augment
        self.paste_probability = paste_probability
        self.mosaic_probability = mosaic_probability
        self.size_region = size_region
        # (item index, box): people drawn more often than their share, each in the crop
        # (``load_focus``), e.g. the operators behind cab glass the detectors miss.
        self.focus = list(focus)
        self.focus_probability = focus_probability
        self.rng = random.Random(seed)
        # People to paste: CSS person boxes (exhaustive person labels) of a useful size.
        self.paste_sources = [
            (item, i)
            for item in items
            if item.exhaustive[0]
            for i in np.nonzero(item.labels == 0)[0]
            if (item.boxes[i, 3] - item.boxes[i, 1]) >= 60
        ]

    def __len__(self) -> int:
        return len(self.items)

    def reseed(self, seed: int) -> None:
        """A worker's own random stream (DataLoader workers start as copies of one dataset)."""
        self.rng = random.Random(seed)

    def __getitem__(self, index: int):
        canvas, boxes, labels, ignore_boxes = self.sample(index)
        targets = make_targets(
            boxes, labels, ignore_boxes, (True,) * len(CLASSES), self.size, self.size_region
        )
        return np.ascontiguousarray(canvas.transpose(2, 0, 1)), targets  # uint8 CHW

    def sample(self, index: int):
        """An augmented crop (uint8 HWC) with its boxes, labels and ignore boxes
        (x1, y1, x2, y2, class): neither positive nor negative there."""
        rng = self.rng
        size = self.size
        if self.augment and self.focus and rng.random() < self.focus_probability:
            canvas, boxes, labels, ignore_boxes = self._single(*rng.choice(self.focus))
        elif self.augment and rng.random() < self.mosaic_probability:
            canvas, boxes, labels, ignore_boxes = self._mosaic(index)
        else:
            canvas, boxes, labels, ignore_boxes = self._single(index)
        if self.augment and self.paste_sources and rng.random() < self.paste_probability:
            canvas, boxes, labels, pasted_ignore = self._paste_people(canvas, boxes, labels)
            ignore_boxes = np.concatenate([ignore_boxes, pasted_ignore])
        if self.augment and rng.random() < 0.5:
            canvas = canvas[:, ::-1].copy()
            boxes = np.stack([size - boxes[:, 2], boxes[:, 1], size - boxes[:, 0], boxes[:, 3]], 1)
            ignore_boxes[:, [0, 2]] = size - ignore_boxes[:, [2, 0]]
        if self.augment:
            canvas = self._photometric(canvas)
        tiny = np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) < MIN_BOX_PX
        ignore_boxes = np.concatenate(
            [ignore_boxes, np.concatenate([boxes[tiny], labels[tiny, None]], 1)]
        )
        return canvas, boxes[~tiny], labels[~tiny], ignore_boxes

    def _single(self, index: int, around: np.ndarray | None = None):
        """One photo, scaled from half the crop to twice it, at a random offset (cropped);
        with ``around`` (a box of the photo), at an offset that keeps that box in the crop
        where it fits."""
        rng = self.rng
        item = self.items[index]
        image = read_rgb(item.path)
        long_side = max(image.shape[:2])
        if self.augment:
            target = self.size * math.exp(rng.uniform(math.log(0.5), math.log(2.0)))
        else:
            target = self.size
        image, boxes = _resized(image, item.boxes, target / long_side)
        h, w = image.shape[:2]
        x_range = [min(0, self.size - w), max(0, self.size - w)]
        y_range = [min(0, self.size - h), max(0, self.size - h)]
        if around is not None:
            bx1, by1, bx2, by2 = (float(v) * target / long_side for v in around)
            x_range = _inside(x_range, -bx1, self.size - bx2)
            y_range = _inside(y_range, -by1, self.size - by2)
        ox, oy = rng.randint(*x_range), rng.randint(*y_range)
        canvas = np.full((self.size, self.size, 3), 114, np.uint8)
        return (canvas, *_place(canvas, image, boxes, item, ox, oy, target / long_side))

    def _mosaic(self, index: int):
        """Four photos, each 20-70 % of the crop, around a random centre: small people in a
        wide frame, as site cameras and the large-frame evaluation see them."""
        rng = self.rng
        size = self.size
        canvas = np.full((size, size, 3), 114, np.uint8)
        cx, cy = (round(size * rng.uniform(0.3, 0.7)) for _ in range(2))
        indices = [index] + [rng.randrange(len(self.items)) for _ in range(3)]
        parts = []
        for quadrant, i in enumerate(indices):
            item = self.items[i]
            image = read_rgb(item.path)
            scale = size * rng.uniform(0.2, 0.7) / max(image.shape[:2])
            image, boxes = _resized(image, item.boxes, scale)
            h, w = image.shape[:2]
            ox = cx - w if quadrant in (0, 2) else cx
            oy = cy - h if quadrant in (0, 1) else cy
            parts.append(_place(canvas, image, boxes, item, ox, oy, scale))
        boxes, labels, ignore = (np.concatenate(p) for p in zip(*parts, strict=True))
        return canvas, boxes, labels, ignore

    def _paste_people(self, canvas, boxes, labels):
        """Paste 1-4 people cut from other photos, 12-90 px tall, with soft edges."""
        rng = self.rng
        size = self.size
        ignore = []
        for _ in range(rng.randint(1, 4)):
            item, i = rng.choice(self.paste_sources)
            source = read_rgb(item.path)
            x1, y1, x2, y2 = (int(round(v)) for v in item.boxes[i])
            crop = source[max(0, y1) : y2, max(0, x1) : x2]
            if crop.size == 0:
                continue
            height = rng.uniform(12, 90)
            scale = height / crop.shape[0]
            pw, ph = max(2, round(crop.shape[1] * scale)), max(2, round(crop.shape[0] * scale))
            if pw >= size or ph >= size:
                continue
            crop = cv2.resize(crop, (pw, ph), interpolation=cv2.INTER_AREA)
            px, py = rng.randint(0, size - pw), rng.randint(0, size - ph)
            alpha = np.zeros((ph, pw), np.float32)
            cv2.ellipse(alpha, (pw // 2, ph // 2), (pw // 2, ph // 2), 0, 0, 360, 1.0, -1)
            alpha = cv2.GaussianBlur(alpha, (0, 0), max(0.5, pw / 12))[..., None]
            region = canvas[py : py + ph, px : px + pw].astype(np.float32)
            canvas[py : py + ph, px : px + pw] = (alpha * crop + (1 - alpha) * region).astype(
                np.uint8
            )
            boxes = np.concatenate([boxes, [[px, py, px + pw, py + ph]]]).astype(np.float32)
            labels = np.concatenate([labels, [0]])
            # Its head is not labelled: no head negatives over the pasted person.
            ignore.append([px, py, px + pw, py + ph, 1])
        return canvas, boxes, labels, np.array(ignore, np.float32).reshape(-1, 5)

    def _photometric(self, image: np.ndarray) -> np.ndarray:
        rng = self.rng
        out = image.astype(np.float32)
        # Brightness/contrast (dusk, dawn, overcast), a colour cast, gamma.
        out = out * rng.uniform(0.45, 1.35) + rng.uniform(-30, 30)
        out *= np.array([rng.uniform(0.8, 1.2) for _ in range(3)], np.float32)
        out = np.clip(out, 0, 255)
        out = 255 * (out / 255) ** rng.uniform(0.7, 1.5)
        if rng.random() < 0.15:  # greyscale (night IR cameras)
            out[:] = out.mean(axis=2, keepdims=True)
        if rng.random() < 0.2:  # rain: streaks and haze
            streaks = np.zeros(out.shape[:2], np.float32)
            for _ in range(rng.randint(50, 300)):
                x, y = rng.randrange(out.shape[1]), rng.randrange(out.shape[0])
                length = rng.randint(5, 20)
                cv2.line(streaks, (x, y), (x + length // 4, y + length), 1.0, 1)
            out = out * 0.85 + 40 + streaks[..., None] * 60
        if rng.random() < 0.3:
            k = rng.choice([3, 5])
            out = cv2.GaussianBlur(out, (k, k), 0)
        if rng.random() < 0.2:
            out += np.random.default_rng(rng.randrange(1 << 30)).normal(0, 6, out.shape)
        out = np.clip(out, 0, 255).astype(np.uint8)
        if rng.random() < 0.4:
            quality = rng.randint(25, 85)
            ok, encoded = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok:
                out = cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1]
        return np.ascontiguousarray(out)


def _inside(offsets: list[int], low: float, high: float) -> list[int]:
    """The offsets of ``offsets`` (an inclusive range) from ``low`` to ``high`` (a box inside
    the crop); the one nearest both when the box is larger than the crop."""
    if high < low:
        middle = round((low + high) / 2)
        return [middle, middle]
    first, last = max(offsets[0], math.ceil(low)), min(offsets[1], math.floor(high))
    if first > last:  # the box fits the crop only where the photo leaves grey: allow it
        first, last = math.ceil(low), math.floor(high)
    return [first, last]


def load_focus(path: Path, items: list[Item]) -> list[tuple[int, np.ndarray]]:
    """The boxes of a focus file as (item index, box): a JSON list of ``{"file": path of
    the photo, ending as an item's path does, extension aside, "box": [x1, y1, x2, y2]}``.
    Raises ValueError for a file no item has."""
    index = {item.path.with_suffix("").as_posix(): i for i, item in enumerate(items)}
    focus = []
    for entry in json.loads(Path(path).read_text()):
        file = Path(entry["file"].lstrip("/")).with_suffix("").as_posix()
        matches = [i for name, i in index.items() if name == file or name.endswith("/" + file)]
        if len(matches) != 1:
            raise ValueError(f"{path}: {entry['file']!r} matches {len(matches)} training photos")
        focus.append((matches[0], np.array(entry["box"], np.float32)))
    return focus


def _resized(image: np.ndarray, boxes: np.ndarray, scale: float):
    image = cv2.resize(
        image,
        (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))),
        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
    )
    return image, boxes * np.float32(scale)


def _place(
    canvas: np.ndarray,
    image: np.ndarray,
    boxes: np.ndarray,
    item: Item,
    ox: int,
    oy: int,
    scale: float = 1.0,
):
    """Copy ``image`` onto ``canvas`` with its top-left corner at (ox, oy), cropping what falls
    outside; returns its boxes in canvas pixels, their labels and the ignore boxes.

    Boxes at least 40 % visible are clipped and kept; less visible ones become ignore
    boxes (neither positive nor negative). A class the photo's source does not label
    exhaustively is ignored over the whole visible part of the photo, and so are the
    photo's own ignore boxes (``item.ignore``, in its pixels before ``scale``).
    """
    size_y, size_x = canvas.shape[:2]
    h, w = image.shape[:2]
    x1, y1, x2, y2 = max(0, ox), max(0, oy), min(size_x, ox + w), min(size_y, oy + h)
    region = np.array([x1, y1, x2, y2], np.float32)
    empty = np.zeros((0, 4), np.float32), np.zeros(0, np.int64), np.zeros((0, 5), np.float32)
    if x2 <= x1 or y2 <= y1:
        return empty
    canvas[y1:y2, x1:x2] = image[y1 - oy : y2 - oy, x1 - ox : x2 - ox]
    boxes = boxes + np.array([ox, oy, ox, oy], np.float32)
    visible = np.concatenate(
        [np.maximum(boxes[:, :2], region[:2]), np.minimum(boxes[:, 2:], region[2:])], 1
    )
    area = np.maximum(boxes[:, 2] - boxes[:, 0], 1e-6) * np.maximum(boxes[:, 3] - boxes[:, 1], 1e-6)
    vw, vh = visible[:, 2] - visible[:, 0], visible[:, 3] - visible[:, 1]
    varea = np.where((vw > 0) & (vh > 0), vw * vh, 0)
    keep = varea >= 0.4 * area
    cut = ~keep & (varea > 0)
    labels = item.labels
    ignore = [np.concatenate([visible[cut], labels[cut, None]], 1).astype(np.float32)]
    own = item.ignore.copy()
    own[:, :4] = own[:, :4] * scale + np.array([ox, oy, ox, oy], np.float32)
    own[:, :4] = np.clip(own[:, :4], region[[0, 1, 0, 1]], region[[2, 3, 2, 3]])
    ignore.append(own[(own[:, 2] > own[:, 0]) & (own[:, 3] > own[:, 1])])
    for c, exhaustive in enumerate(item.exhaustive):
        if not exhaustive:
            ignore.append(np.array([[x1, y1, x2, y2, c]], np.float32))
    return visible[keep], labels[keep], np.concatenate(ignore).reshape(-1, 5)


def make_targets(
    boxes, labels, ignore_boxes, exhaustive, size: int, size_region: float = 0.0
) -> dict[str, np.ndarray]:
    """CenterNet targets at stride 4: Gaussian centre heatmaps, log sizes, offsets, masks.

    ``neg_mask`` (per class) is 0 where negatives must not count: the whole
    map for a class not labelled exhaustively on this image, and the
    ``ignore_boxes`` (tiny or unlabelled objects).

    ``size_region`` 0 teaches an object's size at its centre cell only (CenterNet).
    Above 0, every cell of the central ``size_region`` part of the box learns it
    too, weighted by the centre Gaussian (as TTFNet does): a cell near the
    centre that scores high then gives the whole object's box, not a guess.
    ``size_mask`` holds the weights, summing to 1 per object; where objects of a
    class overlap, the smaller one's size is taught.
    """
    out = size // STRIDE
    classes = len(CLASSES)
    heatmap = np.zeros((classes, out, out), np.float32)
    neg_mask = np.ones((classes, out, out), np.float32)
    for c in range(classes):
        if not exhaustive[c]:
            neg_mask[c] = 0
    for x1, y1, x2, y2, c in ignore_boxes:
        gx1, gy1 = int(x1 // STRIDE), int(y1 // STRIDE)
        gx2, gy2 = int(math.ceil(x2 / STRIDE)), int(math.ceil(y2 / STRIDE))
        neg_mask[int(c), max(0, gy1) : gy2, max(0, gx1) : gx2] = 0
    size_t = np.zeros((classes * 2, out, out), np.float32)
    size_mask = np.zeros((classes, out, out), np.float32)
    offset_t = np.zeros((2, out, out), np.float32)
    reg_mask = np.zeros((classes, out, out), np.float32)
    yy, xx = np.mgrid[0:out, 0:out]
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    for i in np.argsort(-areas, kind="stable"):  # larger first: smaller overwrite
        (x1, y1, x2, y2), c = boxes[i], labels[i]
        w, h = (x2 - x1) / STRIDE, (y2 - y1) / STRIDE
        cx, cy = (x1 + x2) / 2 / STRIDE, (y1 + y2) / 2 / STRIDE
        ix, iy = min(out - 1, int(cx)), min(out - 1, int(cy))
        sx, sy = max(0.5, w / 6), max(0.5, h / 6)
        gaussian = np.exp(-((xx - ix) ** 2) / (2 * sx * sx) - ((yy - iy) ** 2) / (2 * sy * sy))
        heatmap[c] = np.maximum(heatmap[c], gaussian)
        heatmap[c, iy, ix] = 1.0
        region = np.zeros((out, out), bool)
        if size_region > 0:
            rx, ry = size_region * w / 2, size_region * h / 2
            region = (np.abs(xx - ix) <= rx) & (np.abs(yy - iy) <= ry)
        region[iy, ix] = True
        weight = np.where(region, gaussian, 0)  # 1 at the centre cell
        size_t[2 * c][region] = math.log(max(h, 1e-3))
        size_t[2 * c + 1][region] = math.log(max(w, 1e-3))
        size_mask[c][region] = (weight / weight.sum())[region]
        offset_t[:, iy, ix] = (cy - iy - 0.5, cx - ix - 0.5)
        reg_mask[c, iy, ix] = 1.0
    return {
        "heatmap": heatmap,
        "neg_mask": neg_mask,
        "size": size_t,
        "size_mask": size_mask,
        "offset": offset_t,
        "reg_mask": reg_mask,
    }
