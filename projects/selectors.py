"""Reads: every query for a request starts from what its user may see."""

from django.db.models import QuerySet
from django.utils import timezone

from projects.models import Camera, Customer, Invitation, Membership, Photo, Project, token_hash

_ADMIN_ROLES = (Membership.Role.OWNER, Membership.Role.PROJECT_ADMIN)


def memberships_of(user) -> QuerySet[Membership]:
    """The user's memberships (none for anonymous visitors)."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("customer")


def projects_visible_to(user) -> QuerySet[Project]:
    """Projects of the user's customers; for anonymous visitors, public projects only."""
    if not user.is_authenticated:
        return Project.objects.filter(is_public=True).select_related("customer")
    return Project.objects.filter(customer__memberships__user=user).select_related("customer")


def public_projects() -> QuerySet[Project]:
    """Projects anyone may browse."""
    return Project.objects.filter(is_public=True).select_related("customer")


def customer_owned_by(user, slug: str) -> Customer | None:
    """The customer with ``slug`` if ``user`` is one of its owners, else None."""
    if not user.is_authenticated:
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
    if not user.is_authenticated:
        return photos.filter(camera__project__is_public=True, status=Photo.Status.ANONYMIZED)
    if user.is_staff:
        return photos
    return photos.filter(camera__project__customer__memberships__user=user)


def photos_administered_by(user) -> QuerySet[Photo]:
    """Photos ``user`` may have anonymized again: staff, owners and project admins."""
    if not user.is_authenticated:
        return Photo.objects.none()
    if user.is_staff:
        return Photo.objects.all()
    return Photo.objects.filter(
        camera__project__customer__memberships__user=user,
        camera__project__customer__memberships__role__in=_ADMIN_ROLES,
    )


def cameras_administered_by(user) -> QuerySet[Camera]:
    """Cameras whose photos and blur zones ``user`` may manage (owners, project admins)."""
    if not user.is_authenticated:
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
