"""Reads: every query for a request starts from what its user may see."""

from django.db.models import QuerySet
from django.utils import timezone

from projects.models import Customer, Invitation, Membership, Project, token_hash


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
