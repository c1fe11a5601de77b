"""Demo data: a customer, projects, cameras, users and generated site photos.

Everything is drawn here (no photo files are shipped) and deterministic, so
``demo_seed()`` run twice leaves the same data: the photos' bytes repeat and
the ingestion path recognises them as duplicates.
"""

import io
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter

from projects.models import Camera, Customer, Membership, Project
from projects.services import (
    blur_zone_create,
    camera_create,
    photo_ingest,
    privacy_staff_group_sync,
)

DEMO_PASSWORD = "demo-site-2026"  # noqa: S105 - printed for the demo, refused in production
PHOTOS_PER_CAMERA = 8
PHOTO_SIZE = (1600, 1200)

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


# --- Drawing -------------------------------------------------------------------


def _draw_person(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int, h: int) -> None:
    """A standing worker, feet at (x, y), ``h`` pixels tall: hat, face, vest, legs."""
    head = max(2, h // 7)
    body_w = max(2, h // 4)
    skin = rng.choice([(241, 194, 155), (198, 134, 66), (141, 85, 36), (224, 172, 105)])
    vest = rng.choice([(255, 140, 0), (220, 240, 20), (255, 90, 30)])
    hat = rng.choice([(255, 215, 0), (250, 250, 250), (30, 110, 220)])
    legs_top = y - h * 45 // 100
    draw.rectangle([x - body_w // 3, legs_top, x - 1, y], fill=(40, 45, 60))
    draw.rectangle([x + 1, legs_top, x + body_w // 3, y], fill=(40, 45, 60))
    torso_top = y - h + head * 2
    draw.rectangle([x - body_w // 2, torso_top, x + body_w // 2, legs_top], fill=vest)
    draw.line(
        [
            x - body_w // 2,
            (torso_top + legs_top) // 2,
            x + body_w // 2,
            (torso_top + legs_top) // 2,
        ],
        fill=(230, 230, 230),
        width=max(1, h // 40),
    )
    arm = max(1, body_w // 5)
    draw.rectangle([x - body_w // 2 - arm, torso_top, x - body_w // 2, legs_top - head], fill=vest)
    draw.rectangle([x + body_w // 2, torso_top, x + body_w // 2 + arm, legs_top - head], fill=vest)
    face_top = y - h + head
    draw.ellipse([x - head // 2 - 1, face_top - 1, x + head // 2 + 1, face_top + head], fill=skin)
    if h > 60:  # eyes and mouth where a face is big enough to recognise
        eye = max(1, head // 10)
        for dx in (-head // 5, head // 5):
            draw.ellipse(
                [x + dx - eye, face_top + head // 3, x + dx + eye, face_top + head // 3 + eye * 2],
                fill=(20, 20, 20),
            )
        draw.line(
            [x - head // 6, face_top + head * 3 // 4, x + head // 6, face_top + head * 3 // 4],
            fill=(120, 40, 40),
            width=max(1, eye),
        )
    draw.pieslice(
        [x - head * 6 // 10, face_top - head // 2, x + head * 6 // 10, face_top + head // 2],
        180,
        360,
        fill=hat,
    )


def demo_photo_bytes(seed: str, index: int, size: tuple[int, int] = PHOTO_SIZE) -> bytes:
    """A JPEG of a construction site with workers of many sizes, the same for the same input."""
    rng = random.Random(f"{seed}:{index}")  # noqa: S311 - pictures, not secrets
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.30, 0.42))
    light = 0.6 + 0.4 * rng.random()
    for row in range(horizon):  # sky
        t = row / max(1, horizon)
        draw.line(
            [0, row, width, row],
            fill=(int((110 + 60 * t) * light), int((160 + 50 * t) * light), int(230 * light)),
        )
    draw.rectangle([0, horizon, width, height], fill=(int(150 * light), int(125 * light), 95))
    for _ in range(60):  # gravel, puddles and tyre marks
        cx, cy = rng.randrange(width), rng.randrange(horizon, height)
        r = rng.randrange(4, 40)
        tone = rng.randrange(70, 170)
        draw.ellipse([cx - r * 2, cy - r // 2, cx + r * 2, cy + r // 2], fill=(tone, tone - 10, 80))
    # Building under construction: concrete floors and columns.
    bx, floors = rng.randrange(width // 10, width // 3), 3 + index % 5
    floor_h = height // 14
    base = horizon + height // 12
    for level in range(floors):
        top = base - (level + 1) * floor_h
        draw.rectangle([bx, top, bx + width // 3, top + floor_h // 6], fill=(175, 175, 170))
        for col in range(7):
            cx = bx + col * (width // 3) // 6
            draw.rectangle([cx, top, cx + 8, top + floor_h], fill=(160, 160, 155))
    # Tower crane.
    mast_x = bx + width // 3 + width // 12
    draw.rectangle([mast_x, horizon - height // 4, mast_x + 14, base], fill=(240, 190, 0))
    jib_y = horizon - height // 4
    draw.line([mast_x - width // 6, jib_y, mast_x + width // 3, jib_y], fill=(240, 190, 0), width=8)
    hook_x = mast_x + rng.randrange(20, width // 3)
    draw.line([hook_x, jib_y, hook_x, jib_y + rng.randrange(40, 200)], fill=(60, 60, 60), width=2)
    # An excavator.
    ex, ey = rng.randrange(width // 2, width - 200), rng.randrange(base + 40, height - 60)
    draw.rectangle([ex, ey - 70, ex + 160, ey], fill=(250, 200, 20))
    draw.rectangle([ex - 10, ey, ex + 170, ey + 30], fill=(40, 40, 40))
    draw.line(
        [ex + 150, ey - 60, ex + 260, ey - 140, ex + 300, ey - 40], fill=(250, 200, 20), width=14
    )
    # Workers: far away and tiny near the horizon, large in the foreground.
    for _ in range(rng.randrange(4, 9)):
        feet_y = rng.randrange(horizon + 20, height - 5)
        depth = (feet_y - horizon) / (height - horizon)
        person_h = max(12, int(height * (0.03 + 0.35 * depth**1.6)))
        _draw_person(draw, rng, rng.randrange(30, width - 30), feet_y, person_h)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


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
