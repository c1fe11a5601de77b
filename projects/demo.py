"""Demo data: a customer, projects, cameras, users and generated site photos.

Everything is drawn here (no photo files are shipped) and deterministic, so
``demo_seed()`` run twice leaves the same data: the photos' bytes repeat and
the ingestion path recognises them as duplicates.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from projects.demo_images import demo_photo_bytes
from projects.models import Camera, Customer, Membership, Project
from projects.services import (
    blur_zone_create,
    camera_create,
    photo_ingest,
    privacy_staff_group_sync,
)

DEMO_PASSWORD = "demo-site-2026"  # noqa: S105 - printed for the demo, refused in production
PHOTOS_PER_CAMERA = 8

_USERS = [
    # email, role, can_view_originals, is_staff, is_superuser
    ("owner@demo.example", Membership.Role.OWNER, True, False, False),
    ("projectadmin@demo.example", Membership.Role.PROJECT_ADMIN, False, False, False),
    ("viewer@demo.example", Membership.Role.VIEWER, False, False, False),
    ("security@demo.example", Membership.Role.VIEWER, True, False, False),
    ("privacy@demo.example", None, False, True, False),
    ("admin@demo.example", None, False, True, True),
]

_PROJECTS = [
    {
        "slug": "riverside-tower",
        "name": "Riverside Tower",
        "description": "A 14-storey residential tower by the river. Public timelapse.",
        "is_public": True,
        "cameras": [("North crane", "Europe/Paris"), ("Site gate", "Europe/Paris")],
    },
    {
        "slug": "harbour-depot",
        "name": "Harbour Depot",
        "description": "Logistics depot extension. Originals kept for site security.",
        "is_public": False,
        "originals_enabled": True,
        "originals_purpose": "Site security: investigating theft and damage outside working hours.",
        "originals_retention_days": 7,
        "cameras": [("Yard", "Europe/Paris")],
    },
]


@dataclass
class DemoSeedResult:
    users: list[tuple[str, str]] = field(default_factory=list)
    photos_created: int = 0
    photos_existing: int = 0
    camera_tokens: dict[str, str] = field(default_factory=dict)


# --- Seeding -----------------------------------------------------------------------


def _user_ensure(email: str, *, is_staff: bool, is_superuser: bool):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"username": email, "is_staff": is_staff, "is_superuser": is_superuser},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def _structure_ensure(result: DemoSeedResult) -> list[Camera]:
    customer, _ = Customer.objects.get_or_create(
        slug="demo-construction",
        defaults={"name": "Demo Construction Ltd", "privacy_contact_email": "dpo@demo.example"},
    )
    staff_group = privacy_staff_group_sync()
    owner = None
    for email, role, can_view_originals, is_staff, is_superuser in _USERS:
        user = _user_ensure(email, is_staff=is_staff, is_superuser=is_superuser)
        if role is not None:
            label = role.label + (", may view originals" if can_view_originals else "")
        else:
            label = "superuser" if is_superuser else "privacy staff (admin)"
        result.users.append((email, label))
        if role is not None:
            Membership.objects.get_or_create(
                user=user,
                customer=customer,
                defaults={"role": role, "can_view_originals": can_view_originals},
            )
        elif is_staff and not is_superuser:
            user.groups.add(staff_group)
        if role == Membership.Role.OWNER:
            owner = user

    cameras = []
    for spec in _PROJECTS:
        spec = dict(spec)
        camera_specs = spec.pop("cameras")
        project, created = Project.objects.get_or_create(
            slug=spec.pop("slug"), defaults={"customer": customer, **spec}
        )
        if created and project.originals_enabled:
            project.originals_enabled_by = owner
            project.originals_enabled_at = timezone.now()
            project.save(update_fields=["originals_enabled_by", "originals_enabled_at"])
        for name, tz in camera_specs:
            camera = project.cameras.filter(name=name).first()
            if camera is None:
                camera, token = camera_create(project=project, name=name, timezone_name=tz)
                result.camera_tokens[str(camera)] = token
                if name == "Site gate":
                    blur_zone_create(
                        camera=camera,
                        label="Public road",
                        polygon_xy_norm=[[0, 0.82], [1, 0.78], [1, 1], [0, 1]],
                        created_by=owner,
                    )
            cameras.append(camera)
    return cameras


def demo_seed(*, photos_per_camera: int = PHOTOS_PER_CAMERA) -> DemoSeedResult:
    """Create the demo data where missing; returns what it made and the logins."""
    result = DemoSeedResult()
    cameras = _structure_ensure(result)
    for camera in cameras:
        tz = ZoneInfo(camera.timezone)
        first = datetime.combine(timezone.localdate(timezone=tz), time(7, 0), tzinfo=tz)
        for index in range(photos_per_camera):
            content = demo_photo_bytes(f"{camera.project.slug}/{camera.slug}", index)
            _, created = photo_ingest(
                camera=camera,
                content=content,
                filename="demo.jpg",
                taken_at=first + timedelta(minutes=75 * index),
            )
            if created:
                result.photos_created += 1
            else:
                result.photos_existing += 1
    return result
