"""Writes for customers, memberships, cameras and photos.

Keyword-only, ``<entity>_<action>``, validated with ``full_clean()``, each
returning what it made.
"""

import hashlib
import logging
import secrets
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from anonymizer.engine.decode import ImageRejected, decode_image, read_header
from projects.models import (
    BlurZone,
    Camera,
    Customer,
    Invitation,
    Membership,
    Photo,
    Project,
    token_hash,
)

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
    subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Invitation to {customer.name}"
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
        raise ValueError("This invitation has expired or was already used.")
    if invitation.email.lower() != (user.email or "").lower():
        raise ValueError(f"This invitation was sent to {invitation.email}.")
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


@transaction.atomic
def blur_zone_create(
    *, camera: Camera, polygon_xy_norm: list, label: str = "", created_by=None
) -> BlurZone:
    """Add a blur zone to a camera's view. Raises ValidationError on a bad polygon."""
    zone = BlurZone(
        camera=camera, polygon_xy_norm=polygon_xy_norm, label=label, created_by=created_by
    )
    zone.full_clean()
    zone.save()
    return zone


# --- Photos ----------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoRejected(Exception):
    """An upload we refuse; nothing was stored. ``code`` is machine-readable."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def _taken_at(header_local: datetime | None, camera: Camera, received_at: datetime) -> datetime:
    if header_local is None:
        return received_at
    return header_local.replace(tzinfo=zoneinfo.ZoneInfo(camera.timezone))


def photo_ingest(
    *, camera: Camera, content: bytes, filename: str = "photo.jpg", taken_at=None
) -> tuple[Photo, bool]:
    """Store an uploaded photo's original privately and create it ``pending``.

    Returns ``(photo, created)``; the same bytes from the same camera return
    the existing photo with ``created=False``. ``taken_at`` defaults to the
    EXIF capture time (in the camera's time zone), else the receipt time.
    Raises PhotoRejected (nothing stored) for an inactive camera, an empty,
    oversized, unsupported, truncated or corrupt file, or too many pixels.
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

    received_at = timezone.now()
    extension = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[header.format]
    photo = Photo(
        camera=camera,
        taken_at=taken_at or _taken_at(header.taken_at_local, camera, received_at),
        received_at=received_at,
        sha256=digest,
        width=header.width,
        height=header.height,
        status=Photo.Status.PENDING,
    )
    # The original is written first; if the row then cannot be saved, the file is removed.
    photo.original.save(f"upload{extension}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            photo.full_clean(exclude=["original", "anonymized", "display", "thumbnail"])
            photo.save()
    except IntegrityError:
        # A concurrent upload of the same bytes won the race: keep theirs.
        photo.original.delete(save=False)
        return Photo.objects.get(camera=camera, sha256=digest), False
    except Exception:
        photo.original.delete(save=False)
        raise
    logger.info("photo %s ingested for camera %s (%s bytes)", photo.pk, camera.pk, len(content))
    return photo, True


# --- Staff and housekeeping --------------------------------------------------------


def privacy_staff_group_sync() -> Group:
    """Create or update the group whose members handle privacy work in the admin."""
    group, _ = Group.objects.get_or_create(name=PRIVACY_STAFF_GROUP)
    codenames = [
        f"{action}_{model}"
        for model in ("photo", "blurzone")
        for action in ("view", "change", "add")
    ] + [f"view_{model}" for model in ("customer", "membership", "project", "camera")]
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="projects", codename__in=codenames)
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
