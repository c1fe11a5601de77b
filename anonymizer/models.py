"""What each anonymization run did: provenance, counts, timings and its boxes."""

from django.db import models
from django.utils.timezone import now


class AnonymizationRun(models.Model):
    """One run of the engine on one photo, successful or not."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        # Another run took the photo over (a retry after a lost worker); output discarded.
        SUPERSEDED = "superseded", "Superseded"

    class Source(models.TextChoices):
        ORIGINAL = "original", "Original (full detection)"
        ANONYMIZED = "anonymized", "Anonymized image (zones and regions added on top)"

    photo = models.ForeignKey("projects.Photo", on_delete=models.CASCADE, related_name="runs")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    started_at = models.DateTimeField(default=now)
    finished_at = models.DateTimeField(default=now)
    attempt = models.PositiveSmallIntegerField(default=1)
    worker = models.CharField(max_length=200, blank=True)
    engine_version = models.CharField(max_length=40, blank=True)
    # Each model's name and weights SHA-256, and every threshold (EngineConfig).
    provenance = models.JSONField(default=dict, blank=True)
    # Boxes per label ("person": 3, "face": 1, ...).
    counts = models.JSONField(default=dict, blank=True)
    zones_count = models.PositiveSmallIntegerField(default=0)
    manual_regions_count = models.PositiveSmallIntegerField(default=0)
    masked_share = models.FloatField(default=0.0, help_text="Share of the pixels redacted.")
    # Seconds per stage (decode, people, faces, plates, mask, redact, encode, storage).
    timings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["photo", "-started_at"], name="run_photo_started")]

    def __str__(self) -> str:
        return f"{self.photo_id} · {self.get_outcome_display()} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def seconds(self) -> float:
        """Wall-clock duration of the run."""
        return (self.finished_at - self.started_at).total_seconds()


class Detection(models.Model):
    """One box a run found, in pixels of the upright photo."""

    run = models.ForeignKey(AnonymizationRun, on_delete=models.CASCADE, related_name="detections")
    label = models.CharField(max_length=20)
    score = models.FloatField()
    x1 = models.FloatField()
    y1 = models.FloatField()
    x2 = models.FloatField()
    y2 = models.FloatField()

    class Meta:
        ordering = ["run", "label", "-score"]

    def __str__(self) -> str:
        return f"{self.label} {self.score:.2f} ({self.x1:.0f},{self.y1:.0f})-({self.x2:.0f},{self.y2:.0f})"
