"""Writes for customers, memberships, cameras and photos.

Keyword-only, ``<entity>_<action>``, validated with ``full_clean()``, each
returning what it made.
"""

import hashlib
import logging
import secrets
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from anonymizer.engine.decode import ImageRejected, decode_image, read_header
from projects.models import (
    BlurZone,
    Camera,
    Customer,
    Invitation,
    Membership,
    OriginalAccess,
    OriginalsPurge,
    Photo,
    PhotoEvent,
    Project,
    TimelapseExport,
    derivative_upload_to,
    token_hash,
)
from projects.validators import MAX_RETENTION_DAYS

logger = logging.getLogger(__name__)

PRIVACY_STAFF_GROUP = "Privacy staff"


def _unique_slug(queryset, base: str, *, field: str = "slug", max_length: int = 80) -> str:
    base = (slugify(base) or "item")[: max_length - 4]
    slug, n = base, 2
    while queryset.filter(**{field: slug}).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- Cameras -------------------------------------------------------------------


def camera_token_assign(*, camera: Camera) -> str:
    """Give ``camera`` (unsaved changes) a new random upload token and return it.

    Only the token's SHA-256 and first characters are kept on the camera.
    """
    token = secrets.token_urlsafe(32)
    camera.upload_token_hash = token_hash(token)
    camera.upload_token_prefix = token[:8]
    return token


@transaction.atomic
def camera_create(
    *, project: Project, name: str, slug: str = "", timezone_name: str = "UTC"
) -> tuple[Camera, str]:
    """Create a camera and return it with its upload token.

    The token is returned once and never stored; only its SHA-256 is kept.
    Raises ValidationError on a bad name, slug or time zone.
    """
    camera = Camera(
        project=project,
        name=name,
        slug=slug or _unique_slug(project.cameras.all(), name),
        timezone=timezone_name,
    )
    token = camera_token_assign(camera=camera)
    camera.full_clean()
    camera.save()
    return camera, token


@transaction.atomic
def camera_token_rotate(*, camera: Camera) -> str:
    """Give the camera a new upload token, return it once; the old one stops working."""
    token = camera_token_assign(camera=camera)
    camera.save(update_fields=["upload_token_hash", "upload_token_prefix"])
    return token


# --- Invitations ---------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    customer: Customer,
    invited_by,
    email: str,
    role: str = Membership.Role.VIEWER,
    can_view_originals: bool = False,
    accept_url: Callable[[str], str],
) -> tuple[Invitation, str]:
    """Invite ``email`` to ``customer`` and email the link after commit.

    ``accept_url(token)`` builds the absolute link. Earlier unused invitations
    for the same address and customer are withdrawn. Returns the invitation and
    its token (kept only as a hash). Raises ValidationError on a bad address or
    role.
    """
    email = email.strip().lower()
    customer.invitations.filter(email__iexact=email, accepted_at__isnull=True).delete()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        customer=customer,
        email=email,
        role=role,
        can_view_originals=can_view_originals,
        token_hash=token_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    context = {
        "invitation": invitation,
        "url": accept_url(token),
        "inviter": invited_by.get_full_name() or invited_by.email,
    }
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + gettext("Invitation to %(customer)s") % {
        "customer": customer.name
    }
    body = render_to_string("projects/email/invitation.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    )
    return invitation, token


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Make ``user`` a member as the invitation says, and use up the invitation.

    Raises ValueError if the invitation is used or expired, or was sent to
    another address. An existing membership takes the invitation's role and rights.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable():
        raise ValueError(gettext("This invitation has expired or was already used."))
    if invitation.email.lower() != (user.email or "").lower():
        raise ValueError(
            gettext("This invitation was sent to %(email)s.") % {"email": invitation.email}
        )
    membership, created = Membership.objects.get_or_create(
        user=user,
        customer=invitation.customer,
        defaults={"role": invitation.role, "can_view_originals": invitation.can_view_originals},
    )
    if not created:
        membership.role = invitation.role
        membership.can_view_originals = invitation.can_view_originals
        membership.save(update_fields=["role", "can_view_originals"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


# --- Blur zones -------------------------------------------------------------------
#
# A zone can always be added: photos whose original is kept are anonymized again
# from it, the others get the zone redacted on top of their anonymized image. A
# zone can only be taken away where the original still exists; elsewhere its
# redaction is permanent.


def _with_original(photos):
    return photos.exclude(original__isnull=True).exclude(original="")


def _camera_photos_to_redo(camera: Camera, *, originals_only: bool):
    # Photos queued or running now are included: a run that started before the
    # change sees a newer request when it finishes, and the photo runs again.
    if originals_only:
        return _with_original(camera.photos.all())
    return photos_processable(photos=camera.photos.all())


@dataclass(frozen=True)
class ZoneChangeImpact:
    """How many of a camera's photos a zone change re-anonymizes, and how."""

    from_original: int  # detection runs again on the original, every zone applied
    on_top: int  # no original left: zones are added onto the anonymized image


def blur_zone_change_impact(*, camera: Camera) -> ZoneChangeImpact:
    """What saving a change to ``camera``'s zones will do to its photos."""
    photos = _camera_photos_to_redo(camera, originals_only=False)
    with_original = _with_original(photos).count()
    return ZoneChangeImpact(from_original=with_original, on_top=photos.count() - with_original)


def _zones_changed(camera: Camera, *, originals_only: bool) -> int:
    photos = _camera_photos_to_redo(camera, originals_only=originals_only)
    return photo_work_request(photos=photos, backlog=True)


@transaction.atomic
def blur_zone_create(
    *, camera: Camera, polygon_xy_norm: list, label: str = "", created_by=None
) -> BlurZone:
    """Add a blur zone to a camera's view and re-anonymize the camera's photos.

    Raises ValidationError on a bad polygon.
    """
    zone = BlurZone(
        camera=camera, polygon_xy_norm=polygon_xy_norm, label=label, created_by=created_by
    )
    zone.full_clean()
    zone.save()
    _zones_changed(camera, originals_only=False)
    return zone


@transaction.atomic
def blur_zone_update(
    *,
    zone: BlurZone,
    polygon_xy_norm: list | None = None,
    label: str | None = None,
    is_active: bool | None = None,
) -> BlurZone:
    """Change a zone's shape, name or state and re-anonymize the photos it affects.

    ``zone`` is the stored zone (its current values tell what changed). A new
    shape or switching the zone on redoes every photo; switching it off only
    those whose original is kept: photos without one keep what the zone
    covered redacted, as only the original can give it back. Raises
    ValidationError.
    """
    was_active, old_shape = zone.is_active, zone.polygon_xy_norm
    if polygon_xy_norm is not None:
        zone.polygon_xy_norm = polygon_xy_norm
    if label is not None:
        zone.label = label
    if is_active is not None:
        zone.is_active = is_active
    zone.full_clean()
    zone.save()
    if zone.is_active and (not was_active or zone.polygon_xy_norm != old_shape):
        _zones_changed(zone.camera, originals_only=False)
    elif was_active and not zone.is_active:
        _zones_changed(zone.camera, originals_only=True)
    return zone


@transaction.atomic
def blur_zone_delete(*, zone: BlurZone) -> None:
    """Remove a zone; photos whose original exists are anonymized again without it."""
    camera = zone.camera
    was_active = zone.is_active
    zone.delete()
    if was_active:
        _zones_changed(camera, originals_only=True)


# --- Photos ----------------------------------------------------------------------


class PhotoRejected(Exception):
    """An upload we refuse; nothing was stored. ``code`` is machine-readable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _taken_at(header_local: datetime | None, camera: Camera, fallback: datetime) -> datetime:
    if header_local is None:
        return fallback
    return header_local.replace(tzinfo=zoneinfo.ZoneInfo(camera.timezone))


# What a file name's extension promises; a file whose content is another format
# was mislabelled somewhere (or disguised) and is refused.
_EXTENSION_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
}


def photo_ingest(
    *,
    camera: Camera,
    content: bytes,
    filename: str = "",
    taken_at=None,
    taken_at_fallback=None,
) -> tuple[Photo, bool]:
    """Store an uploaded photo's original privately, create it ``pending``, queue it.

    Returns ``(photo, created)``; the same bytes from the same camera return
    the existing photo with ``created=False``. ``taken_at`` defaults to the
    EXIF capture time (in the camera's time zone), else ``taken_at_fallback``,
    else the receipt time. ``anonymize_photo`` is queued once the row is
    committed. Raises PhotoRejected (nothing stored) for an inactive camera, an
    empty, oversized, unsupported, truncated or corrupt file, too many pixels,
    or content that contradicts the file name's extension (a PNG named .jpg);
    storage errors propagate (nothing is kept then either).
    """
    if not camera.is_active:
        raise PhotoRejected("inactive_camera", "This camera is not active.")
    if len(content) > settings.UPLOAD_MAX_BYTES:
        raise PhotoRejected(
            "file_too_large",
            f"The file has {len(content):,} bytes; the limit is {settings.UPLOAD_MAX_BYTES:,}.",
        )
    digest = hashlib.sha256(content).hexdigest()
    existing = Photo.objects.filter(camera=camera, sha256=digest).first()
    if existing is not None:
        return existing, False
    try:
        header = read_header(content, max_pixels=settings.MAX_IMAGE_PIXELS)
        decode_image(content, max_pixels=settings.MAX_IMAGE_PIXELS)
    except ImageRejected as exc:
        raise PhotoRejected(exc.code, str(exc)) from None
    suffix = PurePosixPath(filename or "").suffix.lower()
    if _EXTENSION_FORMATS.get(suffix, header.format) != header.format:
        raise PhotoRejected(
            "type_mismatch",
            f"The file is named {suffix} but holds a {header.format} image; "
            "send it under its real type.",
        )

    received_at = timezone.now()
    extension = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[header.format]
    photo = Photo(
        camera=camera,
        taken_at=taken_at
        or _taken_at(header.taken_at_local, camera, taken_at_fallback or received_at),
        received_at=received_at,
        sha256=digest,
        width=header.width,
        height=header.height,
        original_bytes=len(content),
        status=Photo.Status.PENDING,
        work_requested_at=received_at,
    )
    # The original is written first; if the row then cannot be saved, the file is removed.
    photo.original.save(f"upload{extension}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            photo.full_clean(exclude=["original", "anonymized", "display", "thumbnail"])
            photo.save()
            transaction.on_commit(lambda: photos_enqueue(photo_ids=[photo.pk]), robust=True)
    except IntegrityError:
        # A concurrent upload of the same bytes won the race: keep theirs.
        photo.original.delete(save=False)
        return Photo.objects.get(camera=camera, sha256=digest), False
    except Exception:
        photo.original.delete(save=False)
        raise
    logger.info("photo %s ingested for camera %s (%s bytes)", photo.pk, camera.pk, len(content))
    return photo, True


@dataclass
class ImportSummary:
    """What ``photos_import`` did with each file of a folder."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # path, code, message


def photos_import_files(*, folder: Path) -> list[Path]:
    """The files ``photos_import`` considers: every non-hidden file under ``folder``, sorted."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def photos_import(
    *, camera: Camera, folder: Path, progress: Callable[[Path], None] | None = None
) -> ImportSummary:
    """Send every file under ``folder`` (recursively, in name order) through ``photo_ingest``.

    Idempotent: files imported before come back as duplicates. A file without
    EXIF capture time gets its modification time. Hidden files are skipped.
    ``progress(path)`` is called after each file. A rejected file is listed
    with its reason and the import goes on; storage errors stop it (run it
    again: what was imported is recognised).
    """
    summary = ImportSummary()
    for path in photos_import_files(folder=folder):
        name = str(path.relative_to(folder))
        size = path.stat().st_size
        try:
            if size > settings.UPLOAD_MAX_BYTES:  # not read into memory at all
                raise PhotoRejected(
                    "file_too_large",
                    f"The file has {size:,} bytes; the limit is {settings.UPLOAD_MAX_BYTES:,}.",
                )
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            _, created = photo_ingest(
                camera=camera,
                content=path.read_bytes(),
                filename=path.name,
                taken_at_fallback=modified,
            )
        except PhotoRejected as exc:
            summary.rejected.append((name, exc.code, exc.message))
        else:
            (summary.accepted if created else summary.duplicates).append(name)
        if progress:
            progress(path)
    return summary


def photos_enqueue(*, photo_ids, backlog: bool = False) -> int:
    """Hand ``anonymize_photo`` tasks to the broker; return how many were sent.

    Call after commit. Each photo sent gets ``queued_at``; if the broker cannot
    be reached the rest keep their old ``queued_at`` and the periodic sweep
    (``photos_requeue_stuck``) sends them later, so nothing is lost. ``backlog``
    gives the tasks a lower priority than new uploads.
    """
    # Imported here: the anonymizer's Django side builds on this module.
    from anonymizer.tasks import PRIORITY_BACKLOG, PRIORITY_NEW, anonymize_photo

    sent = []
    try:
        for photo_id in photo_ids:
            anonymize_photo.apply_async(
                (str(photo_id),), priority=PRIORITY_BACKLOG if backlog else PRIORITY_NEW
            )
            sent.append(photo_id)
    except Exception:
        logger.exception(
            "broker unreachable: %s of %s photos queued; the sweep will queue the rest",
            len(sent),
            len(photo_ids),
        )
    for start in range(0, len(sent), 500):
        Photo.objects.filter(pk__in=sent[start : start + 500]).update(queued_at=timezone.now())
    return len(sent)


def photo_work_request(*, photos, backlog: bool = False) -> int:
    """Ask for ``photos`` (a queryset) to be anonymized again; return how many.

    The current anonymized version stays visible until the new one replaces
    it; failed photos go back to pending. Tasks are sent after commit.
    """
    now = timezone.now()
    ids = list(photos.values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        chunk = Photo.objects.filter(pk__in=ids[start : start + 500])
        chunk.update(work_requested_at=now, attempts=0, error="")
        chunk.filter(status=Photo.Status.FAILED).update(status=Photo.Status.PENDING)
    if ids:
        transaction.on_commit(lambda: photos_enqueue(photo_ids=ids, backlog=backlog), robust=True)
    return len(ids)


def photo_event_record(*, photo: Photo, action: str, actor=None, detail: str = "") -> PhotoEvent:
    """Add a line to a photo's history (shown to staff in the admin)."""
    return PhotoEvent.objects.create(
        photo=photo,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        detail=detail[:2000],
    )


def photos_processable(*, photos):
    """The photos (of a queryset) that still have an original or an anonymized image."""
    return photos.filter((Q(original__isnull=False) & ~Q(original="")) | ~Q(anonymized=""))


class PhotoNotProcessable(Exception):
    """Neither the original nor an anonymized image exists to work from."""


@transaction.atomic
def photo_reprocess(*, photo: Photo) -> Photo:
    """Anonymize a photo again: from its original if kept, else zones and regions on top.

    Raises PhotoNotProcessable when there is nothing to start from.
    """
    photos = photos_processable(photos=Photo.objects.select_for_update().filter(pk=photo.pk))
    if not photo_work_request(photos=photos):
        raise PhotoNotProcessable("Neither the original nor an anonymized image is left.")
    photo.refresh_from_db()
    return photo


DERIVATIVE_FIELDS = ("anonymized", "display", "thumbnail")


def derivatives_delete_quietly(names: dict[str, str]) -> None:
    """Delete anonymized files by field name; log failures (they hold no personal data)."""
    for field_name, name in names.items():
        if not name:
            continue
        try:
            Photo._meta.get_field(field_name).storage.delete(name)
        except Exception:
            logger.exception("could not delete %s; it holds only anonymized pixels", name)


def derivatives_store(contents: dict[str, bytes]) -> dict[str, str]:
    """Save anonymized JPEGs (by field name) under new random keys; return the names.

    On any error the files already saved are deleted and the error raised.
    """
    saved: dict[str, str] = {}
    try:
        for field_name, content in contents.items():
            storage = Photo._meta.get_field(field_name).storage
            saved[field_name] = storage.save(
                derivative_upload_to(None, "x.jpg"), ContentFile(content)
            )
    except Exception:
        derivatives_delete_quietly(saved)
        raise
    return saved


def photo_derivatives_rotate(*, photo_id) -> bool:
    """Move a photo's anonymized images to new random storage keys; True if moved.

    Done when a report hides a photo: a presigned URL handed out before
    (valid up to ``SIGNED_URL_SECONDS``) then leads nowhere. Raises the
    storage's error (nothing changed) so the task can retry; returns False
    if a new anonymization replaced the files meanwhile (new keys already).
    """
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return False
    old = {f: getattr(photo, f).name for f in DERIVATIVE_FIELDS if getattr(photo, f)}
    contents = {}
    for field_name, name in old.items():
        with Photo._meta.get_field(field_name).storage.open(name, "rb") as handle:
            contents[field_name] = handle.read()
    new = derivatives_store(contents)
    with transaction.atomic():
        locked = Photo.objects.select_for_update().filter(pk=photo_id).first()
        current = locked and {f: getattr(locked, f).name for f in old}
        if current != old:
            transaction.on_commit(lambda: derivatives_delete_quietly(new))
            return False
        for field_name, name in new.items():
            setattr(locked, field_name, name)
        locked.save(update_fields=[*new, "updated_at"])
        transaction.on_commit(lambda: derivatives_delete_quietly(old))
    return True


def photo_original_delete_after(*, photo: Photo) -> datetime:
    """When a kept original must be gone: capture time + retention, never later.

    Counted from the earlier of capture and receipt, so a camera clock set in
    the future cannot stretch the retention past its limit.
    """
    project = photo.camera.project
    days = min(project.originals_retention_days, MAX_RETENTION_DAYS)
    return min(photo.taken_at, photo.received_at) + timedelta(days=days)


def photo_original_delete(*, photo: Photo) -> bool:
    """Delete the original from its storage, then forget it; True if one was deleted.

    Raises the storage's error if the file cannot be deleted: the row keeps
    the original and its ``original_delete_after``, so the purge tries again.
    """
    name = photo.original.name if photo.original else ""
    if not name:
        return False
    photo.original.storage.delete(name)
    Photo.objects.filter(pk=photo.pk, original=name).update(
        original=None, original_delete_after=None
    )
    photo.original = None
    photo.original_delete_after = None
    logger.info("original of photo %s deleted", photo.pk)
    return True


# --- Originals: enabling, access log, purge --------------------------------------


@transaction.atomic
def project_originals_enable(*, project: Project, by, purpose: str, retention_days: int) -> Project:
    """Keep originals for ``project`` for a recorded lawful purpose (an owner's decision).

    Records who and when. Raises ValidationError for an empty purpose or a
    retention outside 1..30 days. Photos already anonymized have no original
    any more; only new uploads are kept.
    """
    project.originals_enabled = True
    project.originals_purpose = purpose.strip()
    project.originals_retention_days = retention_days
    project.originals_enabled_by = by
    project.originals_enabled_at = timezone.now()
    project.full_clean()
    project.save()
    logger.info("originals enabled on project %s by %s", project.pk, by)
    return project


@transaction.atomic
def project_originals_disable(*, project: Project, by) -> int:
    """Stop keeping originals and delete the project's kept ones; return how many.

    Originals still waiting for their anonymization are kept until it is done
    (it then deletes them, as for any project without originals).
    """
    project.originals_enabled = False
    project.save(update_fields=["originals_enabled"])
    photos = _with_original(
        Photo.objects.filter(camera__project=project, status=Photo.Status.ANONYMIZED)
    )
    # Due now: if a file cannot be deleted below, the purge deletes it next run.
    photos.update(original_delete_after=timezone.now())
    ids = list(photos.values_list("pk", flat=True))
    transaction.on_commit(lambda: _originals_delete(Photo.objects.filter(pk__in=ids)))
    logger.info("originals disabled on project %s by %s: %s to delete", project.pk, by, len(ids))
    return len(ids)


def _originals_delete(photos) -> tuple[int, int]:
    deleted = failed = 0
    for photo in photos.iterator(chunk_size=200):
        try:
            deleted += photo_original_delete(photo=photo)
        except Exception:
            failed += 1
            logger.exception("original of photo %s could not be deleted yet", photo.pk)
    return deleted, failed


def original_access_record(*, user, photo: Photo, ip_address: str | None) -> OriginalAccess:
    """Log one view of ``photo``'s original, with the purpose in force at that moment."""
    project = photo.camera.project
    return OriginalAccess.objects.create(
        user=user,
        user_email=user.email,
        photo=photo,
        photo_uuid=photo.pk,
        project=project,
        ip_address=ip_address,
        purpose=project.originals_purpose,
    )


def originals_due(*, at=None):
    """Originals that must be gone by ``at``: past their deletion time, or past 30 days.

    The 30-day cap holds whatever a project's settings or a row say: from the
    earlier of capture and receipt once the photo has an anonymized version;
    before that (an archive of old photos just imported) the original is
    needed once to anonymize it, so only 30 days after receipt count.
    """
    at = at or timezone.now()
    cap = at - timedelta(days=MAX_RETENTION_DAYS)
    past_cap = Q(received_at__lte=cap) | (Q(taken_at__lte=cap) & ~Q(anonymized=""))
    return _with_original(Photo.objects.all()).filter(Q(original_delete_after__lte=at) | past_cap)


def originals_purge(*, dry_run: bool = False) -> OriginalsPurge:
    """Delete every due original from its storage and record how many (see ``originals_due``).

    A file the storage refuses to delete stays due and is tried again next run.
    """
    due = originals_due()
    count = due.count()
    deleted = failed = 0
    if not dry_run:
        deleted, failed = _originals_delete(due)
    record = OriginalsPurge.objects.create(
        dry_run=dry_run, due=count, deleted=deleted, failed=failed
    )
    logger.info("originals purge: %s", record)
    return record


# --- Timelapse exports ------------------------------------------------------------

MAX_EXPORT_DAYS = 366
MAX_EXPORT_FRAMES = 20_000


@transaction.atomic
def timelapse_export_request(
    *, camera: Camera, by, date_from, date_to, hour_from: int = 0, hour_to: int = 24, fps: int = 12
) -> TimelapseExport:
    """Ask for an MP4 of a camera's anonymized photos; it is made by a Celery task.

    Raises ValidationError for an empty or reversed range, a range over a
    year, hours outside 0..24 or a frame rate outside 1..60.
    """
    from django.core.exceptions import ValidationError

    if date_to < date_from or (date_to - date_from).days >= MAX_EXPORT_DAYS:
        raise ValidationError(f"Choose a date range of 1 to {MAX_EXPORT_DAYS} days.")
    if not (0 <= hour_from < hour_to <= 24):
        raise ValidationError("The time-of-day window must lie within 0..24 h, start before end.")
    if not (1 <= fps <= 60):
        raise ValidationError("The frame rate must be 1 to 60 frames per second.")
    export = TimelapseExport.objects.create(
        camera=camera,
        requested_by=by,
        date_from=date_from,
        date_to=date_to,
        hour_from=hour_from,
        hour_to=hour_to,
        fps=fps,
    )
    transaction.on_commit(lambda: _export_enqueue(export.pk), robust=True)
    return export


def _export_enqueue(export_id: int) -> None:
    from projects.tasks import timelapse_export_render as task

    task.delay(export_id)


def timelapse_exports_refresh(*, photo_id) -> int:
    """Exports that contain a photo just corrected are made again; return how many."""
    stale = TimelapseExport.objects.filter(photos__pk=photo_id).exclude(
        status=TimelapseExport.Status.PENDING
    )
    ids = list(stale.values_list("pk", flat=True))
    TimelapseExport.objects.filter(pk__in=ids).update(
        status=TimelapseExport.Status.PENDING, progress=0
    )
    for export_id in ids:
        transaction.on_commit(lambda export_id=export_id: _export_enqueue(export_id), robust=True)
    return len(ids)


def timelapse_export_render(*, export_id: int) -> TimelapseExport:
    """Encode the export's frames as H.264 MP4 (imageio-ffmpeg) and store it.

    Frames are the anonymized display images only. Progress is saved as it
    goes; an export with no frame fails with a clear error. Storage errors
    propagate (the task retries).
    """
    import tempfile

    import imageio_ffmpeg
    import numpy as np
    from PIL import Image

    from projects.selectors import timelapse_frames

    export = TimelapseExport.objects.select_related("camera").get(pk=export_id)
    export.status, export.progress, export.error = TimelapseExport.Status.RUNNING, 0, ""
    export.save(update_fields=["status", "progress", "error"])
    frames = list(
        timelapse_frames(
            None,  # the requester was a member: every anonymized photo, nothing else
            export.camera,
            date_from=export.date_from,
            date_to=export.date_to,
            hour_from=export.hour_from,
            hour_to=export.hour_to,
        )[:MAX_EXPORT_FRAMES]
    )
    if not frames:
        export.status, export.error = TimelapseExport.Status.FAILED, "No photo in this range."
        export.save(update_fields=["status", "error"])
        return export
    with frames[0].display.open("rb") as handle:
        width, height = Image.open(handle).size
    size = (width - width % 2, height - height % 2)  # H.264 needs even sides
    with tempfile.NamedTemporaryFile(suffix=".mp4") as out:
        writer = imageio_ffmpeg.write_frames(
            out.name, size, fps=export.fps, codec="libx264", quality=7, macro_block_size=2
        )
        writer.send(None)
        step = max(1, len(frames) // 20)
        try:
            for index, photo in enumerate(frames):
                with photo.display.open("rb") as handle:
                    image = Image.open(handle).convert("RGB")
                    if image.size != size:
                        image = image.resize(size)
                    writer.send(np.ascontiguousarray(np.asarray(image)))
                if index % step == 0:
                    progress = int(100 * index / len(frames))
                    TimelapseExport.objects.filter(pk=export.pk).update(progress=progress)
        finally:
            writer.close()  # ffmpeg exits even when a frame could not be read
        old = export.file.name
        with open(out.name, "rb") as video:
            export.file.save("timelapse.mp4", ContentFile(video.read()), save=False)
    export.photos.set(frames)
    export.status, export.progress = TimelapseExport.Status.DONE, 100
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "progress", "finished_at"])
    if old and old != export.file.name:
        export.file.storage.delete(old)
    return export


# --- Staff and housekeeping --------------------------------------------------------


def privacy_staff_group_sync() -> Group:
    """Create or update the group whose members handle privacy work in the admin."""
    group, _ = Group.objects.get_or_create(name=PRIVACY_STAFF_GROUP)
    codenames = [
        f"{action}_{model}"
        for model in ("photo", "blurzone", "manualregion")
        for action in ("view", "change", "add")
    ] + [
        "delete_manualregion",
        *(
            f"view_{model}"
            for model in (
                "customer",
                "membership",
                "project",
                "camera",
                "originalaccess",
                "originalspurge",
                "photoevent",
            )
        ),
    ]
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="projects", codename__in=codenames)
        | Permission.objects.filter(
            content_type__app_label="anonymizer",
            codename__in=["view_anonymizationrun", "view_detection"],
        )
        | Permission.objects.filter(
            content_type__app_label="reviews",
            codename__in=["view_detectionreport", "change_detectionreport"],
        )
    )
    return group


def housekeeping_run() -> dict[str, int]:
    """Delete expired sessions and invitations that expired over 30 days ago."""
    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    invitations, _ = Invitation.objects.filter(
        accepted_at__isnull=True, expires_at__lt=now - timedelta(days=30)
    ).delete()
    return {"sessions_deleted": sessions, "invitations_deleted": invitations}
