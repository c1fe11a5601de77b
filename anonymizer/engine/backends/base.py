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
