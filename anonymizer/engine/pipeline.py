"""The engine's entry point: bytes in, anonymized images, mask and provenance out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from anonymizer.engine import ENGINE_VERSION
from anonymizer.engine.backends import get_backend
from anonymizer.engine.boxes import Detections
from anonymizer.engine.config import EngineConfig
from anonymizer.engine.decode import decode_image
from anonymizer.engine.detect import detect_all
from anonymizer.engine.encode import encode_sizes
from anonymizer.engine.mask import build_regions, detections_outside, regions_mask
from anonymizer.engine.redact import redact


@dataclass
class AnonymizationResult:
    """What one run produced, with what is needed to record and repeat it."""

    width: int
    height: int
    anonymized_jpeg: bytes
    display_jpeg: bytes
    thumbnail_jpeg: bytes
    mask: np.ndarray  # bool (height, width): True where pixels were redacted
    detections: Detections
    # Detections dropped because staff marked their area as wrongly blurred.
    cleared: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    @property
    def masked_share(self) -> float:
        """Share of the photo's pixels that were redacted."""
        return float(self.mask.mean()) if self.mask.size else 0.0


class Engine:
    """Anonymizes photos; load once per process and call ``anonymize`` for each photo.

    Backends load on first use (``get_backend`` caches them per process).
    ``ModelMissing`` is raised if a model file is not installed, and
    ``ImageRejected`` subclasses for photos that cannot be decoded safely.
    """

    def __init__(self, config: EngineConfig | None = None):
        self.config = config or EngineConfig()

    def load(self) -> Engine:
        """Load every backend now (a worker does this before its first photo)."""
        for name in self.config.model_names:
            get_backend(name)
        return self

    def provenance(self) -> dict:
        """Engine version, each model's name and weights SHA-256, and the thresholds."""
        return {
            "engine_version": ENGINE_VERSION,
            "models": [get_backend(name).provenance() for name in self.config.model_names],
            "config": self.config.as_dict(),
        }

    def anonymize(
        self,
        data: bytes | np.ndarray,
        *,
        zones=(),
        manual_regions=(),
        keep_clear=(),
        detect: bool = True,
    ) -> AnonymizationResult:
        """Anonymize one photo given as file bytes or an RGB array.

        ``zones`` and ``manual_regions`` are polygons in normalized (0..1)
        coordinates, always redacted. ``keep_clear`` polygons remove the
        automatic blur of detections lying mostly inside them (a staff
        correction of a false detection; zones and manual regions still
        apply there). With ``detect=False`` only zones and regions are
        applied (used to add a zone on top of an already anonymized image).
        """
        config = self.config
        timings: dict[str, float] = {}
        start = time.perf_counter()
        image = (
            data
            if isinstance(data, np.ndarray)
            else np.asarray(decode_image(data, max_pixels=config.max_pixels))
        )
        timings["decode"] = time.perf_counter() - start
        height, width = image.shape[:2]

        if detect:
            detections, detect_timings = detect_all(image, config)
            timings.update(detect_timings)
        else:
            detections = Detections.empty()
        detections, cleared = detections_outside(detections, keep_clear, width, height)

        start = time.perf_counter()
        regions = build_regions(
            detections, width, height, config, zones=zones, manual_regions=manual_regions
        )
        mask = regions_mask(regions, width, height)
        timings["mask"] = time.perf_counter() - start

        start = time.perf_counter()
        redacted = redact(image, regions, config)
        timings["redact"] = time.perf_counter() - start

        start = time.perf_counter()
        full, display, thumbnail = encode_sizes(
            redacted,
            quality=config.jpeg_quality,
            long_sides=[None, config.display_long_side, config.thumbnail_long_side],
        )
        timings["encode"] = time.perf_counter() - start
        return AnonymizationResult(
            width=width,
            height=height,
            anonymized_jpeg=full,
            display_jpeg=display,
            thumbnail_jpeg=thumbnail,
            mask=mask,
            detections=detections,
            cleared=cleared,
            timings=timings,
            provenance=self.provenance() if detect else {"engine_version": ENGINE_VERSION},
        )
