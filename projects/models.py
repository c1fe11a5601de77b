"""Customers, memberships, projects, cameras, photos and blur zones.

Models hold only what needs no other table; writes live in ``services.py``,
reads in ``selectors.py``.
"""

import hashlib
import hmac
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from projects.validators import MAX_RETENTION_DAYS, validate_polygon_xy_norm, validate_timezone


def originals_storage():
    """The private storage for originals, resolved lazily from ``STORAGES["originals"]``."""
    from devisubox.storages import originals_storage as storage

    return storage


def _random_key(prefix: str, filename: str) -> str:
    # Keys carry no id, date or name: nothing in them can be guessed or enumerated.
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"{prefix}/{uuid.uuid4().hex}{suffix}"


def original_upload_to(instance, filename: str) -> str:
    return _random_key("o", filename)


def derivative_upload_to(instance, filename: str) -> str:
    return _random_key("d", filename)


def token_hash(token: str) -> str:
    """SHA-256 hex of an upload token (tokens are 256-bit random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Customer(models.Model):
    """A company using the platform: the data controller for its cameras."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    privacy_contact_email = models.EmailField(
        blank=True, help_text="Where people write about their data (the data controller)."
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one customer."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        PROJECT_ADMIN = "project_admin", _("Project admin")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    can_view_originals = models.BooleanField(
        default=False,
        help_text="May see non-anonymized originals where a project enables them.",
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["customer__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "customer"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.customer} ({self.get_role_display()})"

    @property
    def is_owner(self) -> bool:
        """True for the customer's owners."""
        return self.role == self.Role.OWNER

    @property
    def can_admin_projects(self) -> bool:
        """True for roles that may change projects, cameras and blur zones."""
        return self.role in (self.Role.OWNER, self.Role.PROJECT_ADMIN)


class Invitation(models.Model):
    """An owner's invitation for an email address to join a customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=20, choices=Membership.Role.choices, default=Membership.Role.VIEWER
    )
    can_view_originals = models.BooleanField(default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.customer}"

    def is_usable(self, at=None) -> bool:
        """True while the invitation is neither accepted nor expired."""
        return self.accepted_at is None and (at or now()) < self.expires_at


class Project(models.Model):
    """A construction site of one customer, with its cameras."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    camera_purpose = models.TextField(
        default="Documenting the construction's progress with timelapse photos.",
        help_text="Why the cameras film this site, as told in the privacy notice.",
    )
    is_public = models.BooleanField(
        default=False, help_text="Anyone may see this project's anonymized photos."
    )
    originals_enabled = models.BooleanField(
        default=False, help_text="Keep non-anonymized originals for authorised members."
    )
    originals_purpose = models.TextField(
        blank=True, help_text="The lawful purpose for keeping originals (for example security)."
    )
    originals_retention_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text=f"Originals are deleted this many days after capture (1 to {MAX_RETENTION_DAYS}).",
    )
    originals_enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    originals_enabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["customer__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(originals_retention_days__gte=1)
                & Q(originals_retention_days__lte=MAX_RETENTION_DAYS),
                name="project_retention_1_to_30_days",
            ),
            models.CheckConstraint(
                condition=Q(originals_enabled=False) | ~Q(originals_purpose=""),
                name="project_originals_need_purpose",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.originals_enabled and not self.originals_purpose.strip():
            raise ValidationError(
                {"originals_purpose": "Record the lawful purpose before enabling originals."}
            )


class Camera(models.Model):
    """A fixed camera of a project; it authenticates uploads with a secret token."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cameras")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    # Only the token's SHA-256 is stored; the token itself is shown once at creation.
    upload_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    upload_token_prefix = models.CharField(
        max_length=8, editable=False, help_text="First characters of the token, to recognise it."
    )
    is_active = models.BooleanField(default=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["project__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "slug"], name="camera_unique_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.name}"

    def token_matches(self, token: str) -> bool:
        """True if ``token`` is this camera's upload token."""
        return hmac.compare_digest(self.upload_token_hash, token_hash(token))


class Photo(models.Model):
    """One uploaded photo: its private original and its anonymized derivatives."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        ANONYMIZED = "anonymized", _("Anonymized")
        FAILED = "failed", _("Failed")
        QUARANTINED = "quarantined", _("Quarantined")

    # Random ids: photo URLs reveal neither counts nor neighbours.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="photos")
    taken_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField(default=now)
    sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    original = models.FileField(
        storage=originals_storage,
        upload_to=original_upload_to,
        max_length=200,
        null=True,
        blank=True,
        help_text="Empty once the original has been deleted.",
    )
    anonymized = models.FileField(upload_to=derivative_upload_to, max_length=200, blank=True)
    display = models.FileField(upload_to=derivative_upload_to, max_length=200, blank=True)
    thumbnail = models.FileField(upload_to=derivative_upload_to, max_length=200, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original_bytes = models.PositiveBigIntegerField(
        default=0, help_text="Size of the uploaded file in bytes."
    )
    original_delete_after = models.DateTimeField(null=True, blank=True, db_index=True)
    anonymized_at = models.DateTimeField(null=True, blank=True)
    # Work queue state. ``work_requested_at`` is set when (re)anonymization is
    # asked for (upload, reprocess, blur-zone change) and cleared by the run
    # that served it; a run claims the photo with ``processing_token``, so a
    # late or duplicate run can tell it was overtaken and discard its output.
    work_requested_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the task was last handed to the broker; empty if publishing failed.
    queued_at = models.DateTimeField(null=True, blank=True)
    processing_token = models.UUIDField(null=True, blank=True, editable=False)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Anonymization runs started since the last request."
    )
    error = models.TextField(blank=True)
    # Set when staff resolved the reports that quarantined the photo: the run
    # that applies their correction puts it back in public view.
    release_on_finish = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["camera", "-taken_at"], name="photo_camera_taken")]
        constraints = [
            models.UniqueConstraint(fields=["camera", "sha256"], name="photo_unique_bytes"),
            # Fail closed: a photo counts as anonymized only with its anonymized image stored.
            models.CheckConstraint(
                condition=~Q(status="anonymized") | ~Q(anonymized=""),
                name="photo_anonymized_has_image",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camera} @ {self.taken_at:%Y-%m-%d %H:%M}"

    @property
    def has_original(self) -> bool:
        """True while the original still exists in storage."""
        return bool(self.original)

    @property
    def is_being_processed(self) -> bool:
        """True while an anonymization of this photo is requested or running."""
        return self.work_requested_at is not None


class ManualRegion(models.Model):
    """A staff correction of one photo's blur: a region to redact, or one to keep clear.

    ``redact`` regions are always blurred. ``keep_clear`` regions remove the
    automatic blur of detections lying mostly inside them (a false
    detection); that needs the original, as blurred pixels cannot come back.
    """

    class Action(models.TextChoices):
        REDACT = "redact", "Blur this region"
        KEEP_CLEAR = "keep_clear", "Remove the automatic blur here"

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="manual_regions")
    action = models.CharField(max_length=20, choices=Action.choices, default=Action.REDACT)
    polygon_xy_norm = models.JSONField(
        validators=[validate_polygon_xy_norm],
        help_text="List of [x, y] points, 0..1 of the photo's width and height.",
    )
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["photo", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.reason or self.pk}"


class BlurZone(models.Model):
    """A region of a camera's view that is always blurred (a road, a neighbour's window)."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="blur_zones")
    label = models.CharField(max_length=120, blank=True)
    polygon_xy_norm = models.JSONField(
        validators=[validate_polygon_xy_norm],
        help_text="List of [x, y] points, 0..1 of the frame's width and height.",
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["camera", "created_at"]

    def __str__(self) -> str:
        return self.label or f"Zone {self.pk}"


class OriginalAccess(models.Model):
    """One view of a non-anonymized original: who, which photo, when, from where, why.

    Rows are never changed or deleted from the UI; they outlive the photo (whose
    id and project are kept) so the log still answers after the purge.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    user_email = models.EmailField(help_text="The address at the time of access.")
    photo = models.ForeignKey(
        Photo, on_delete=models.SET_NULL, null=True, blank=True, related_name="original_accesses"
    )
    photo_uuid = models.UUIDField(help_text="Kept when the photo itself is deleted.")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="original_accesses")
    accessed_at = models.DateTimeField(default=now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    purpose = models.TextField(help_text="The project's recorded purpose at the time of access.")

    class Meta:
        ordering = ["-accessed_at"]
        verbose_name = "original access"
        verbose_name_plural = "original accesses (audit log)"

    def __str__(self) -> str:
        return f"{self.user_email} viewed {self.photo_uuid} at {self.accessed_at:%Y-%m-%d %H:%M}"


class OriginalsPurge(models.Model):
    """One run of the originals purge and how many files it deleted."""

    ran_at = models.DateTimeField(default=now, db_index=True)
    dry_run = models.BooleanField(default=False)
    due = models.PositiveIntegerField(default=0, help_text="Originals past their deletion time.")
    deleted = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0, help_text="Storage refused; retried next run.")

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M}: {self.deleted} deleted, {self.failed} failed"


class TimelapseExport(models.Model):
    """An MP4 of a camera's anonymized photos over a date range and time-of-day window."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    date_from = models.DateField()
    date_to = models.DateField()
    hour_from = models.PositiveSmallIntegerField(default=0)
    hour_to = models.PositiveSmallIntegerField(default=24)
    fps = models.PositiveSmallIntegerField(default=12)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of frames done.")
    # The photos in the video: correcting one of them makes the export stale.
    photos = models.ManyToManyField(Photo, related_name="exports", blank=True)
    file = models.FileField(upload_to=derivative_upload_to, max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.camera} {self.date_from}..{self.date_to} ({self.get_status_display()})"


class PhotoEvent(models.Model):
    """One thing done to a photo by a person or a report: its history, never edited."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
