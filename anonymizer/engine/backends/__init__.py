"""Detector backends, each a plain callable ``(rgb image) -> Detections``.

``BACKENDS`` maps a name to a dotted path imported on first use (healthchecks'
``TRANSPORTS``); ``get_backend(name)`` loads each model once per process.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from anonymizer.engine.backends.base import Detector

BACKENDS = {
    "ssd_coco": "anonymizer.engine.backends.ssd.SsdCocoDetector",
    "ssd_site": "anonymizer.engine.backends.ssd.SsdSiteDetector",
    "centerface": "anonymizer.engine.backends.centerface.CenterFaceDetector",
    "mediapipe_face": "anonymizer.engine.backends.mediapipe_face.MediaPipeFaceDetector",
    "plate_text": "anonymizer.engine.backends.plates.PlateTextDetector",
    "people_net": "anonymizer.engine.backends.people_net.PeopleNetDetector",
}


@cache
def get_backend(name: str) -> Detector:
    """The loaded backend ``name``; raises KeyError for an unknown name, ModelMissing if absent."""
    module_name, _, class_name = BACKENDS[name].rpartition(".")
    return getattr(import_module(module_name), class_name)()


__all__ = ["BACKENDS", "Detector", "get_backend"]
