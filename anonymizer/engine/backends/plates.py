"""Licence plates found as text: PP-OCRv4's DB text detector (Apache-2.0), shipped in ``rapidocr_onnxruntime``.

Only the package's ONNX file is read; the package itself is never imported
(its imports need packages we do not have). The model gives a per-pixel
text probability; the DB post-processing (Liao et al., "Real-time Scene Text
Detection with Differentiable Binarization", 2020) is redone here with
OpenCV, without pyclipper. Lines of text shaped like a plate's are kept and
grown to cover the plate's border and its smaller lettering (a US state name).

Any plate-shaped text is a "plate": shop signs, camera timestamps and
badges are returned too. That is a choice for anonymization (blurring a
sign costs little, a missed plate is a leak); a caller that wants fewer boxes
runs this on vehicle crops.
"""

from __future__ import annotations

import numpy as np

from anonymizer.engine.backends.base import Detector
from anonymizer.engine.boxes import Detections
from anonymizer.engine.models import package_file

PACKAGE = "rapidocr_onnxruntime"
MODEL_FILE = "models/ch_PP-OCRv4_det_infer.onnx"

# PP-OCR's det preprocessing: 0..1 RGB normalized with ImageNet statistics.
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)
# The network downsamples by 32: input sides must be multiples of it.
_STRIDE = 32
# DB's cap on contours per image; a page of text has fewer lines than this.
_MAX_CANDIDATES = 1000


class PlateTextDetector(Detector):
    """Plate-shaped lines of text, as "plate" boxes in image pixels.

    The thresholds are class attributes so that a subclass (or an evaluation
    script) can change them; the values were tuned on the OpenALPR
    benchmark photos (dev split): see each comment.
    """

    name = "plate_text"
    model_name = "ch_PP-OCRv4_det"

    # A map pixel above this is text. DB's default; 0.2 to 0.35 found the
    # same plates on the dev set (within one plate in 101).
    pixel_threshold = 0.3
    # DB's unclip: the shrunk text kernel the model outputs is grown by
    # area * ratio / perimeter on every side. 1.6 is DB's default; it already
    # brings a plate's main line close to the plate's height (1.3 lost 10 %
    # of the plates, 2.0 found no more and covered more).
    unclip_ratio = 1.6
    # Width / height of a line after unclip. Measured on the dev set: US
    # plates' lines median 2.2 (10th percentile 1.85: two-row plates grown by
    # unclip), EU 4.2 (90th percentile 4.8). A minimum of 2.0 lost 16 % of the
    # plates; 1.5 still drops single letters and vertical text, 8 drops long
    # lines of signs.
    min_aspect = 1.5
    max_aspect = 8.0
    # Pixels of the image: a line lower than this is not legible as a plate.
    min_height = 6.0
    # Growth on each side, as a fraction of the line's height (borders and
    # margins scale with letter height, not with the number of letters):
    # the smallest pair, of those tried, that covered >= 90 % of 95 % of the
    # annotated plates (no growth: 46 %, and 86 % at >= 70 %).
    pad_x = 0.4
    pad_y = 0.3
    # A crop smaller than input_long_side / 4 is enlarged 4x at most: beyond
    # that, upscaling adds cost and no detail.
    max_upscale = 4.0

    def __init__(self, threads: int | None = None):
        """Load the model once; raises ModelMissing when the package or file is absent."""
        import onnxruntime as ort

        self.model_path = package_file(PACKAGE, MODEL_FILE)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # no warnings about the converter's unused initializers
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(self.model_path), options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name  # "x"

    def __call__(
        self, image: np.ndarray, *, min_score: float = 0.1, input_long_side: int | None = 960
    ) -> Detections:
        """Plates in ``image`` (RGB uint8, a whole photo or a crop), in its pixels.

        The image is resized so its long side is ``input_long_side`` (None:
        its own size), enlarging a small crop up to ``max_upscale`` times;
        the cost is that of the resized image. ``min_score`` applies to a
        line's mean text probability. Boxes are clipped to the image; an
        image without text gives ``Detections.empty()``. Raises ValueError
        for an array that is not (h, w, 3).
        """
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB image (h, w, 3), got shape {image.shape}")
        h, w = image.shape[:2]
        prob, sx, sy = self.probability_map(image, input_long_side)
        lines, scores = self.text_lines(prob, min_score)
        lines *= np.array([sx, sy, sx, sy], np.float32)
        boxes, scores = self.plates_from_lines(lines, scores)
        return Detections.from_lists(boxes, scores, "plate").clipped(w, h)

    def probability_map(
        self, image: np.ndarray, input_long_side: int | None
    ) -> tuple[np.ndarray, float, float]:
        """The model's text probability map and the map-to-image scales (x, y)."""
        import cv2

        h, w = image.shape[:2]
        scale = 1.0 if not input_long_side else input_long_side / max(h, w)
        scale = min(scale, self.max_upscale)
        w_in = max(_STRIDE, round(w * scale / _STRIDE) * _STRIDE)
        h_in = max(_STRIDE, round(h * scale / _STRIDE) * _STRIDE)
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        resized = cv2.resize(image, (w_in, h_in), interpolation=interpolation)
        blob = (resized.astype(np.float32) * np.float32(1 / 255) - _MEAN) / _STD
        blob = np.ascontiguousarray(blob.transpose(2, 0, 1)[None])
        (prob,) = self.session.run(None, {self.input_name: blob})
        return prob[0, 0], w / w_in, h / h_in

    def text_lines(self, prob: np.ndarray, min_score: float) -> tuple[np.ndarray, np.ndarray]:
        """DB post-processing: unclipped text boxes, axis-aligned (n, 4) in map pixels, and scores.

        A line's score is the mean probability inside its contour (DB's
        "slow" mode: a tilted line's corners do not dilute it).
        """
        import cv2

        mask = (prob > self.pixel_threshold).astype(np.uint8)
        # DB's use_dilation: a 2x2 dilation joins letters the threshold split.
        mask = cv2.dilate(mask, np.ones((2, 2), np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        boxes, scores = [], []
        for contour in contours[:_MAX_CANDIDATES]:
            (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
            if min(rw, rh) < 2:  # DB drops kernels thinner than this (noise)
                continue
            x, y, bw, bh = cv2.boundingRect(contour)
            inside = np.zeros((bh, bw), np.uint8)
            cv2.fillPoly(inside, [contour - [x, y]], 1)
            score = float(prob[y : y + bh, x : x + bw][inside > 0].mean())
            if score < min_score:
                continue
            # Offsetting a rectangle by d gives a (w + 2d, h + 2d) rectangle
            # (with rounded corners, which the min-area rect drops): the same
            # box as DB's pyclipper unclip.
            d = rw * rh * self.unclip_ratio / (2 * (rw + rh))
            corners = cv2.boxPoints(((cx, cy), (rw + 2 * d, rh + 2 * d), angle))
            boxes.append([*corners.min(axis=0), *corners.max(axis=0)])
            scores.append(score)
        return np.array(boxes, np.float32).reshape(-1, 4), np.array(scores, np.float32)

    def plates_from_lines(
        self, lines: np.ndarray, scores: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lines (image pixels) joined, filtered by shape and grown into plate boxes."""
        lines, scores = _join_words(lines, scores)
        width, height = lines[:, 2] - lines[:, 0], lines[:, 3] - lines[:, 1]
        aspect = width / np.maximum(height, 1e-6)
        keep = (
            (height >= self.min_height) & (aspect >= self.min_aspect) & (aspect <= self.max_aspect)
        )
        lines, scores, height = lines[keep], scores[keep], height[keep]
        pad = np.stack([-self.pad_x * height, -self.pad_y * height] * 2, axis=1)
        pad[:, 2:] *= -1
        return lines + pad, scores


def _join_words(boxes: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union the overlapping boxes of one line of text (a plate's words split at a space).

    Two boxes are on one line when they overlap horizontally, share 70 % of
    the lower one's height and differ in height by at most 1.5x (so a state
    name above the number is not joined into a taller box).
    """
    if len(boxes) < 2:
        return boxes, scores
    order = np.argsort(boxes[:, 0])
    joined_boxes, joined_scores = [boxes[order[0]].copy()], [scores[order[0]]]
    for box, score in zip(boxes[order[1:]], scores[order[1:]], strict=True):
        for i, other in enumerate(joined_boxes):
            h_box, h_other = box[3] - box[1], other[3] - other[1]
            shared = min(box[3], other[3]) - max(box[1], other[1])
            if (
                box[0] <= other[2]
                and shared >= 0.7 * min(h_box, h_other)
                and max(h_box, h_other) <= 1.5 * min(h_box, h_other)
            ):
                other[:2] = np.minimum(other[:2], box[:2])
                other[2:] = np.maximum(other[2:], box[2:])
                joined_scores[i] = max(joined_scores[i], score)
                break
        else:
            joined_boxes.append(box.copy())
            joined_scores.append(score)
    return np.array(joined_boxes, np.float32), np.array(joined_scores, np.float32)
