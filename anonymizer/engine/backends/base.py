"""The contract every detector backend follows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from anonymizer.engine.boxes import Detections
from anonymizer.engine.models import file_sha256


class Detector:
    """Base class: load the model in ``__init__`` (once per process), detect in ``__call__``.

    ``__call__(image)`` takes an RGB uint8 array (h, w, 3) and returns
    ``Detections`` in that image's absolute pixel coordinates, with every
    score the model gives above ``min_score`` (thresholds are applied by the
    caller, which knows what each box is for). It raises nothing for an image
    without objects: it returns ``Detections.empty()``.
    """

    name: str = "detector"
    model_name: str = ""
    model_path: Path | None = None

    def __call__(self, image: np.ndarray, *, min_score: float = 0.1) -> Detections:
        raise NotImplementedError

    def provenance(self) -> dict:
        """The model's name, file and SHA-256, so a run can be recorded and repeated."""
        return {
            "backend": self.name,
            "model": self.model_name,
            "file": self.model_path.name if self.model_path else None,
            "sha256": file_sha256(self.model_path) if self.model_path else None,
        }


def onnx_session(model, threads: int | None = None):
    """An ONNX Runtime CPU session for a model file path or its bytes."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # unused initializers and BN counters only produce warnings
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(
        model if isinstance(model, bytes) else str(model),
        options,
        providers=["CPUExecutionProvider"],
    )


def blob_multiple_of_32(
    image: np.ndarray, long_side: int | None, *, linear_upscale: bool = False
) -> tuple[np.ndarray, float, float]:
    """``image`` resized to ``long_side`` (default: as is), each side rounded up to a
    multiple of 32, as an NCHW float32 blob; with the x and y factors back to the image.
    Shrinking averages pixels (INTER_AREA); with ``linear_upscale``, a photo not
    shrunk is resized bilinearly."""
    import cv2

    h, w = image.shape[:2]
    scale = 1.0 if not long_side else long_side / max(h, w)
    w_in = max(32, int(np.ceil(w * scale / 32) * 32))
    h_in = max(32, int(np.ceil(h * scale / 32) * 32))
    linear = linear_upscale and scale >= 1
    resized = cv2.resize(
        image, (w_in, h_in), interpolation=cv2.INTER_LINEAR if linear else cv2.INTER_AREA
    )
    return resized.transpose(2, 0, 1)[None].astype(np.float32), w / w_in, h / h_in
