"""People and heads seen from site cameras: the project's own detector (``training/``).

A CenterNet network started from CenterFace's weights and trained on public
construction photos (see ``anonymizer/engine/weights/MODEL_CARD.md``). The
ONNX file is part of this repository; ONNX Runtime runs it, no torch needed.
"""

from __future__ import annotations

import numpy as np

from anonymizer.engine.backends.base import Detector, blob_multiple_of_32, onnx_session
from anonymizer.engine.backends.centerface import _decode
from anonymizer.engine.boxes import Detections
from anonymizer.engine.models import package_file

WEIGHTS = "engine/weights/people_net.onnx"
CLASSES = ("person", "head")


class PeopleNetDetector(Detector):
    name = "people_net"
    model_name = "people_net"

    def __init__(self, threads: int | None = None):
        self.model_path = package_file("anonymizer", WEIGHTS)
        self.session = onnx_session(self.model_path, threads)

    def __call__(
        self, image: np.ndarray, *, min_score: float = 0.1, input_long_side: int | None = None
    ) -> Detections:
        """People and heads in ``image``, run at ``input_long_side`` pixels (default: as is)."""
        h, w = image.shape[:2]
        blob, fx, fy = blob_multiple_of_32(image, input_long_side, linear_upscale=True)
        heatmap, size, offset = self.session.run(None, {"image": blob})
        found = []
        for c, label in enumerate(CLASSES):
            boxes, scores = _decode(heatmap[0, c], size[0, 2 * c : 2 * c + 2], offset[0], min_score)
            if len(boxes):
                boxes *= np.array([fx, fy, fx, fy], np.float32)
            found.append(Detections.from_lists(boxes, scores, label))
        return Detections.merge(found).clipped(w, h)
