"""People and heads seen from site cameras: the project's own detector (``training/``).

A CenterNet network started from CenterFace's weights and trained on public
construction photos (see ``anonymizer/engine/weights/MODEL_CARD.md``). The
ONNX file is part of this repository; ONNX Runtime runs it, no torch needed.
"""

from __future__ import annotations

import numpy as np

from anonymizer.engine.backends.base import Detector
from anonymizer.engine.backends.centerface import _decode
from anonymizer.engine.boxes import Detections
from anonymizer.engine.models import package_file

WEIGHTS = "engine/weights/people_net.onnx"
CLASSES = ("person", "head")


class PeopleNetDetector(Detector):
    name = "people_net"
    model_name = "people_net"

    def __init__(self, threads: int | None = None):
        import onnxruntime as ort

        self.model_path = package_file("anonymizer", WEIGHTS)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(self.model_path), options, providers=["CPUExecutionProvider"]
        )

    def __call__(
        self, image: np.ndarray, *, min_score: float = 0.1, input_long_side: int | None = None
    ) -> Detections:
        """People and heads in ``image``, run at ``input_long_side`` pixels (default: as is)."""
        import cv2

        h, w = image.shape[:2]
        scale = 1.0 if not input_long_side else input_long_side / max(h, w)
        w_in = max(32, int(np.ceil(w * scale / 32) * 32))
        h_in = max(32, int(np.ceil(h * scale / 32) * 32))
        resized = cv2.resize(
            image, (w_in, h_in), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        )
        blob = resized.transpose(2, 0, 1)[None].astype(np.float32)
        heatmap, size, offset = self.session.run(None, {"image": blob})
        found = []
        for c, label in enumerate(CLASSES):
            boxes, scores = _decode(heatmap[0, c], size[0, 2 * c : 2 * c + 2], offset[0], min_score)
            if len(boxes):
                boxes *= np.array([w / w_in, h / h_in, w / w_in, h / h_in], np.float32)
            found.append(Detections.from_lists(boxes, scores, label))
        return Detections.merge(found).clipped(w, h)
