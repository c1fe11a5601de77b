"""Detection-error reports: someone saw a person left visible, or a wrong blur."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from projects.validators import validate_polygon_xy_norm


class DetectionReport(models.Model):
    """One report about one photo, with the region the reporter drew on it."""

    class Kind(models.TextChoices):
        PERSON_VISIBLE = "person_visible", _("A person is visible")
        FACE_VISIBLE = "face_visible", _("A face is visible")
        PLATE_VISIBLE = "plate_visible", _("A licence plate is readable")
        WRONGLY_BLURRED = "wrongly_blurred", _("Something is blurred that should not be")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")

    # Kinds saying someone can still be identified: on a public photo, the photo
    # leaves public view at once (quarantine) until staff resolve the report.
    IDENTIFYING = (Kind.PERSON_VISIBLE, Kind.FACE_VISIBLE, Kind.PLATE_VISIBLE)

    photo = models.ForeignKey("projects.Photo", on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="detection_reports",
    )
    reporter_email = models.EmailField(blank=True, help_text="Where the answer goes.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    region_xy_norm = models.JSONField(
        validators=[validate_polygon_xy_norm],
        help_text="The region drawn by the reporter: [[x, y], ...], 0..1 of the photo.",
    )
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    quarantined_photo = models.BooleanField(
        default=False, help_text="The report took the photo out of public view."
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.photo_id} ({self.get_status_display()})"
