"""Validators for values stored on the domain models."""

import math
import zoneinfo

from django.core.exceptions import ValidationError
from shapely.geometry import LinearRing, Polygon

# Originals are personal data: never kept longer than this, whatever is configured.
MAX_RETENTION_DAYS = 30
POLYGON_MAX_POINTS = 200


def validate_timezone(value: str) -> None:
    """Raise ValidationError unless ``value`` is an IANA time-zone name."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError("%(value)s is not a known time zone.", params={"value": value})


def validate_polygon_xy_norm(value) -> None:
    """Raise ValidationError unless ``value`` is a simple polygon inside the unit square.

    The polygon is a list of ``[x, y]`` points in normalized coordinates (0..1
    of the frame's width and height), at least 3 distinct points, not closed
    explicitly, with a non-zero area and no edge crossing another.
    """
    if not isinstance(value, list | tuple):
        raise ValidationError("A polygon is a list of [x, y] points.")
    if len(value) < 3:
        raise ValidationError("A polygon needs at least 3 points.")
    if len(value) > POLYGON_MAX_POINTS:
        raise ValidationError(f"A polygon has at most {POLYGON_MAX_POINTS} points.")
    points = []
    for point in value:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in point
            )
        ):
            raise ValidationError("Each point is a pair of numbers [x, y].")
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValidationError(
                "Point (%(x)s, %(y)s) lies outside the frame: coordinates run from 0 to 1.",
                params={"x": x, "y": y},
            )
        points.append((x, y))
    if len(set(points)) < 3:
        raise ValidationError("A polygon needs at least 3 distinct points.")
    if Polygon(points).area <= 1e-9:
        raise ValidationError("The polygon has no area.")
    if not LinearRing(points).is_simple:
        raise ValidationError("The polygon's edges cross each other.")
