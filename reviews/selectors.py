"""Reads for the staff's photo review page."""

from dataclasses import dataclass

from anonymizer.models import AnonymizationRun
from projects.models import ManualRegion, Photo
from reviews.models import DetectionReport

# The SVG drawn over the photo is 1000 units wide; its height keeps the photo's ratio.
CANVAS_WIDTH = 1000


@dataclass(frozen=True)
class Shape:
    """One outline over the photo: SVG points, a CSS class and its caption."""

    points: str
    css: str
    caption: str


def _svg_points(xy_norm, height: float) -> str:
    return " ".join(f"{x * CANVAS_WIDTH:.1f},{y * height:.1f}" for x, y in xy_norm)


def _suggested_correction(report: DetectionReport, photo: Photo) -> str:
    """What resolving most likely does: blur what was reported visible, unblur a wrong blur."""
    if report.kind in DetectionReport.IDENTIFYING:
        return ManualRegion.Action.REDACT
    if report.kind == DetectionReport.Kind.WRONGLY_BLURRED and photo.has_original:
        return ManualRegion.Action.KEEP_CLEAR
    return ""


def photo_review(*, photo: Photo, highlight: DetectionReport | None = None) -> dict:
    """Everything staff need to judge and correct one photo's blur.

    The last successful run's detections, the reports with their regions,
    the corrections (manual regions), the camera's active zones, and the
    photo's history, as outlines in the 1000-unit SVG over the photo.
    """
    height = CANVAS_WIDTH * photo.height / photo.width if photo.width else CANVAS_WIDTH * 0.75
    run = (
        AnonymizationRun.objects.filter(photo=photo, outcome=AnonymizationRun.Outcome.SUCCEEDED)
        .prefetch_related("detections")
        .first()
    )
    shapes = []
    if run and photo.width and photo.height:
        for d in run.detections.all():
            box = [
                (d.x1 / photo.width, d.y1 / photo.height),
                (d.x2 / photo.width, d.y1 / photo.height),
                (d.x2 / photo.width, d.y2 / photo.height),
                (d.x1 / photo.width, d.y2 / photo.height),
            ]
            shapes.append(
                Shape(_svg_points(box, height), f"det det-{d.label}", f"{d.label} {d.score:.2f}")
            )
    zones = list(photo.camera.blur_zones.filter(is_active=True))
    for zone in zones:
        shapes.append(Shape(_svg_points(zone.polygon_xy_norm, height), "zone", f"zone {zone}"))
    regions = list(photo.manual_regions.select_related("created_by"))
    for region in regions:
        css = "manual" if region.action == ManualRegion.Action.REDACT else "keep-clear"
        shapes.append(Shape(_svg_points(region.polygon_xy_norm, height), css, f"#{region.pk}"))
    reports = list(photo.reports.select_related("reporter", "handled_by").order_by("-created_at"))
    for report in reports:
        report.suggested_correction = _suggested_correction(report, photo)
        open_ = report.status in (DetectionReport.Status.NEW, DetectionReport.Status.IN_PROGRESS)
        shapes.append(
            Shape(
                _svg_points(report.region_xy_norm, height),
                ("report" if open_ else "report closed")
                + (" highlight" if highlight and report.pk == highlight.pk else ""),
                f"report {report.pk}",
            )
        )
    return {
        "canvas_height": round(height, 1),
        "run": run,
        "shapes": shapes,
        "zones": zones,
        "regions": regions,
        "reports": reports,
        "open_reports": [
            r
            for r in reports
            if r.status in (DetectionReport.Status.NEW, DetectionReport.Status.IN_PROGRESS)
        ],
        "events": list(photo.events.select_related("actor")[:50]),
    }
