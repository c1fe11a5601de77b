"""Reads: every query for a request starts from what its user may see."""

import time
import zoneinfo
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from projects.models import Camera, Customer, Invitation, Membership, Photo, Project, token_hash

_ADMIN_ROLES = (Membership.Role.OWNER, Membership.Role.PROJECT_ADMIN)


def _signed_in(user) -> bool:
    """A signed-in person. A camera (authenticated by its token, no user row) sees
    what a visitor sees; its own photos come through ``photos_visible_to(camera=)``."""
    return user.is_authenticated and user.pk is not None


def memberships_of(user) -> QuerySet[Membership]:
    """The user's memberships (none for anonymous visitors)."""
    if not _signed_in(user):
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("customer")


def projects_visible_to(user) -> QuerySet[Project]:
    """Projects a request may see: public ones for everybody, its customers' for a
    member, every project for staff. Anything else is a 404."""
    projects = Project.objects.select_related("customer")
    if not _signed_in(user):
        return projects.filter(is_public=True)
    if user.is_staff:
        return projects
    return projects.filter(Q(is_public=True) | Q(customer__memberships__user=user)).distinct()


def public_projects() -> QuerySet[Project]:
    """Projects anyone may browse."""
    return Project.objects.filter(is_public=True).select_related("customer")


def customer_owned_by(user, slug: str) -> Customer | None:
    """The customer with ``slug`` if ``user`` is one of its owners, else None."""
    if not _signed_in(user):
        return None
    return Customer.objects.filter(
        slug=slug, memberships__user=user, memberships__role=Membership.Role.OWNER
    ).first()


def invitation_by_token(token: str) -> Invitation | None:
    """The usable (unexpired, unaccepted) invitation for ``token``, else None."""
    return (
        Invitation.objects.filter(
            token_hash=token_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("customer")
        .first()
    )


# --- Photos: the one place that decides which photos a request may see ----------


def photos_visible_to(user, *, camera: Camera | None = None) -> QuerySet[Photo]:
    """Photos a request may know of, whatever their status (``Photo.objects`` never directly).

    - a camera (``camera`` given): the photos it uploaded;
    - staff: every photo (they handle errors and reports);
    - members: every photo of their customers' projects (still processing and
      failed ones included; whether an image may be served is a further check);
    - anyone else: anonymized photos of public projects only.
    """
    photos = Photo.objects.select_related("camera__project")
    if camera is not None:
        return photos.filter(camera=camera)
    public = Q(camera__project__is_public=True, status=Photo.Status.ANONYMIZED)
    if not _signed_in(user):
        return photos.filter(public)
    if user.is_staff:
        return photos
    member_ids = Membership.objects.filter(user=user).values("customer_id")
    return photos.filter(public | Q(camera__project__customer_id__in=member_ids))


def photos_with_images_for(user) -> QuerySet[Photo]:
    """Visible photos whose anonymized images may be served.

    Anonymized photos; for the customer's members and staff also quarantined
    ones (a report said someone may be recognisable: hidden from the public,
    shown flagged to those who handle it). Nobody gets an image of a photo
    still being processed or failed (fail closed).
    """
    visible = photos_visible_to(user)
    anonymized = Q(status=Photo.Status.ANONYMIZED)
    if not _signed_in(user):
        return visible.filter(anonymized)
    if user.is_staff:
        return visible.filter(anonymized | Q(status=Photo.Status.QUARANTINED))
    member_ids = Membership.objects.filter(user=user).values("customer_id")
    return visible.filter(
        anonymized | Q(status=Photo.Status.QUARANTINED, camera__project__customer_id__in=member_ids)
    )


def membership_in(user, customer_id) -> Membership | None:
    """The user's membership of a customer, if any."""
    if not _signed_in(user):
        return None
    return Membership.objects.filter(user=user, customer_id=customer_id).first()


class OriginalRefusal:
    """Why an original is not shown (each reason has its own page)."""

    NOT_ENABLED = "not_enabled"  # the project keeps no originals (or records no purpose)
    NO_RIGHT = "no_right"  # not a member allowed to view originals
    NO_MFA = "no_mfa"  # the user has no two-factor authentication
    MFA_STALE = "mfa_stale"  # not verified with it in the last ORIGINALS_MFA_MAX_AGE_SECONDS
    GONE = "gone"  # deleted (retention over, or anonymized without keeping it)


def _mfa_verified_at(request) -> float | None:
    from allauth.account.internal.flows.login import get_authentication_records

    times = [
        record.get("at", 0)
        for record in get_authentication_records(request, request.user)
        if record.get("method") == "mfa"
    ]
    return max(times) if times else None


def original_refusal(request, photo: Photo) -> str | None:
    """None if this request may see ``photo``'s original, else an ``OriginalRefusal``.

    ``photo`` must come from ``photos_visible_to``. All of these must hold:
    the project keeps originals with a recorded purpose; the user is a member
    of its customer allowed to view originals (staff are not, as such); the
    user has TOTP two-factor authentication and verified it in this session
    within ``ORIGINALS_MFA_MAX_AGE_SECONDS``; the original still exists.
    """
    from allauth.mfa.models import Authenticator

    user, project = request.user, photo.camera.project
    if not project.originals_enabled or not project.originals_purpose.strip():
        return OriginalRefusal.NOT_ENABLED
    membership = membership_in(user, project.customer_id)
    if membership is None or not membership.can_view_originals:
        return OriginalRefusal.NO_RIGHT
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return OriginalRefusal.NO_MFA
    verified_at = _mfa_verified_at(request)
    if verified_at is None or time.time() - verified_at > settings.ORIGINALS_MFA_MAX_AGE_SECONDS:
        return OriginalRefusal.MFA_STALE
    if not photo.has_original:
        return OriginalRefusal.GONE
    return None


def project_owned_by(user, slug: str) -> Project | None:
    """The project with ``slug`` if ``user`` owns its customer, else None."""
    if not _signed_in(user):
        return None
    return (
        Project.objects.filter(
            slug=slug,
            customer__memberships__user=user,
            customer__memberships__role=Membership.Role.OWNER,
        )
        .select_related("customer")
        .first()
    )


def photos_administered_by(user) -> QuerySet[Photo]:
    """Photos ``user`` may have anonymized again: staff, owners and project admins."""
    if not _signed_in(user):
        return Photo.objects.none()
    if user.is_staff:
        return Photo.objects.all()
    return Photo.objects.filter(
        camera__project__customer__memberships__user=user,
        camera__project__customer__memberships__role__in=_ADMIN_ROLES,
    )


def cameras_administered_by(user) -> QuerySet[Camera]:
    """Cameras whose photos and blur zones ``user`` may manage (owners, project admins)."""
    if not _signed_in(user):
        return Camera.objects.none()
    return Camera.objects.filter(
        project__customer__memberships__user=user,
        project__customer__memberships__role__in=_ADMIN_ROLES,
    ).select_related("project__customer")


def camera_by_token(token: str) -> Camera | None:
    """The camera whose upload token this is (active or not), else None."""
    if not token:
        return None
    return (
        Camera.objects.filter(upload_token_hash=token_hash(token)).select_related("project").first()
    )


# --- Galleries ----------------------------------------------------------------------


def camera_zone(camera: Camera) -> zoneinfo.ZoneInfo:
    """The camera's time zone: days and times are shown as lived on the site."""
    return zoneinfo.ZoneInfo(camera.timezone)


def camera_days(user, camera: Camera) -> list[tuple[date, int]]:
    """Days (in the camera's time zone) with photos ``user`` may see, newest first.

    One grouped query, whatever the number of photos.
    """
    return list(
        photos_visible_to(user)
        .filter(camera=camera)
        .annotate(day=TruncDate("taken_at", tzinfo=camera_zone(camera)))
        .values_list("day")
        .annotate(count=Count("id"))
        .order_by("-day")
    )


def camera_day_photos(user, camera: Camera, day: date):
    """The photos of one local day of a camera that ``user`` may see, newest first."""
    zone = camera_zone(camera)
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return (
        photos_visible_to(user)
        .filter(camera=camera, taken_at__gte=start, taken_at__lt=end)
        .order_by("-taken_at", "-id")
    )


def photo_neighbours(user, photo: Photo) -> tuple[Photo | None, Photo | None]:
    """The camera's previous (earlier) and next (later) photos ``user`` may see."""
    photos = photos_visible_to(user).filter(camera_id=photo.camera_id)
    earlier = (
        photos.filter(Q(taken_at__lt=photo.taken_at) | Q(taken_at=photo.taken_at, id__lt=photo.id))
        .order_by("-taken_at", "-id")
        .first()
    )
    later = (
        photos.filter(Q(taken_at__gt=photo.taken_at) | Q(taken_at=photo.taken_at, id__gt=photo.id))
        .order_by("taken_at", "id")
        .first()
    )
    return earlier, later


def cameras_with_health(user, project: Project):
    """The project's active cameras with their last upload, photos today and failures.

    Counts cover the photos ``user`` may see; one query for all cameras.
    """
    today = timezone.now() - timedelta(hours=24)
    visible = photos_visible_to(user).values("pk")
    return project.cameras.filter(is_active=True).annotate(
        last_upload=Max("photos__received_at", filter=Q(photos__in=visible)),
        photos_today=Count("photos", filter=Q(photos__in=visible, photos__received_at__gte=today)),
        failures=Count("photos", filter=Q(photos__in=visible, photos__status=Photo.Status.FAILED)),
    )


def timelapse_frames(
    user, camera: Camera, *, date_from: date, date_to: date, hour_from: int = 0, hour_to: int = 24
):
    """Anonymized photos of ``camera`` in a local date range and hour window, oldest first.

    ``hour_from``..``hour_to`` (0..24, end excluded) is the camera's local time
    of day, so 8..18 skips nights whatever the season's offset. ``user=None``
    is a video made for a member: every anonymized photo of the camera.
    """
    zone = camera_zone(camera)
    start = datetime.combine(date_from, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    photos = (
        Photo.objects.filter(status=Photo.Status.ANONYMIZED)
        if user is None
        else photos_with_images_for(user)
    )
    frames = (
        photos.filter(camera=camera, taken_at__gte=start, taken_at__lt=end)
        .annotate(local_hour=ExtractHour("taken_at", tzinfo=zone))
        .filter(local_hour__gte=hour_from, local_hour__lt=hour_to)
    )
    return frames.order_by("taken_at", "id")


def exports_visible_to(user):
    """Timelapse exports of the cameras of the user's customers (all, for staff)."""
    from projects.models import TimelapseExport

    exports = TimelapseExport.objects.select_related("camera__project")
    if not _signed_in(user):
        return exports.none()
    if user.is_staff:
        return exports
    member_ids = Membership.objects.filter(user=user).values("customer_id")
    return exports.filter(camera__project__customer_id__in=member_ids)


def project_dashboard(user, projects) -> list[dict]:
    """For each project: its latest anonymized photo and its cameras' health in one line.

    Health over the photos ``user`` may see: last upload, photos received in
    the last 24 hours, failed photos. Two queries per project.
    """
    since = timezone.now() - timedelta(hours=24)
    visible = photos_visible_to(user)
    cards = []
    for project in projects:
        photos = visible.filter(camera__project=project, camera__is_active=True)
        health = photos.aggregate(
            last_upload=Max("received_at"),
            photos_today=Count("id", filter=Q(received_at__gte=since)),
            failures=Count("id", filter=Q(status=Photo.Status.FAILED)),
        )
        latest = photos.filter(status=Photo.Status.ANONYMIZED).order_by("-taken_at").first()
        cards.append({"project": project, "latest": latest, **health})
    return cards
