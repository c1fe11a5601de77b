"""Drawn construction-site photos with people-like workers (Pillow only, no Django).

Used by ``seed_demo`` and by the engine benchmark; deterministic for the same seed.
"""

import io
import random

from PIL import Image, ImageDraw, ImageFilter

PHOTO_SIZE = (1600, 1200)


def draw_person(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int, h: int) -> None:
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
        draw_person(draw, rng, rng.randrange(30, width - 30), feet_y, person_h)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
