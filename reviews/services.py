"""Writes for detection-error reports."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from projects.models import ManualRegion, Photo
from projects.services import (
    photo_event_record,
    photo_reprocess,
    photo_work_request,
)
from reviews.models import DetectionReport

logger = logging.getLogger(__name__)


@transaction.atomic
def detection_report_submit(
    *,
    photo: Photo,
    kind: str,
    region_xy_norm: list,
    message: str = "",
    reporter=None,
    reporter_email: str = "",
) -> DetectionReport:
    """Record a report on ``photo``; quarantine the photo if someone can be identified.

    A person, face or plate reported visible on a public project's anonymized
    photo takes it out of public view at once (status ``quarantined``) until
    staff resolve the report. Anonymous reporters must give an email address
    for the answer. Raises ValidationError (nothing saved) on a bad kind,
    region, message or address.
    """
    signed_in = reporter is not None and reporter.is_authenticated
    report = DetectionReport(
        photo=photo,
        kind=kind,
        region_xy_norm=region_xy_norm,
        message=message.strip(),
        reporter=reporter if signed_in else None,
        reporter_email=(reporter.email if signed_in and not reporter_email else reporter_email),
    )
    if not signed_in and not reporter_email:
        raise ValidationError({"reporter_email": "Give an email address for the answer."})
    report.full_clean()
    locked = Photo.objects.select_for_update().select_related("camera__project").get(pk=photo.pk)
    if (
        kind in DetectionReport.IDENTIFYING
        and locked.camera.project.is_public
        and locked.status == Photo.Status.ANONYMIZED
    ):
        locked.status = Photo.Status.QUARANTINED
        locked.save(update_fields=["status", "updated_at"])
        report.quarantined_photo = True
        logger.warning("photo %s quarantined by a %s report", photo.pk, kind)
        _rotate_after_commit(photo.pk)
    report.save()
    photo_event_record(
        photo=photo,
        action="quarantined" if report.quarantined_photo else "reported",
        actor=reporter,
        detail=f"Report {report.pk}: {report.get_kind_display()}",
    )
    _email_after_commit(report, "new")
    return report


def _open_identifying_reports(photo: Photo, *, excluding=None):
    reports = DetectionReport.objects.filter(
        photo=photo,
        kind__in=DetectionReport.IDENTIFYING,
        status__in=(DetectionReport.Status.NEW, DetectionReport.Status.IN_PROGRESS),
    )
    return reports.exclude(pk=excluding.pk) if excluding else reports


def _release_when_clear(photo: Photo, report: DetectionReport, *, corrected: bool) -> None:
    """Put a quarantined photo back in public view once no identifying report is open.

    With a correction queued, the run that applies it releases the photo (it
    is never shown again before the new version exists); without one, now.
    """
    photo = Photo.objects.select_for_update().get(pk=photo.pk)
    if photo.status != Photo.Status.QUARANTINED:
        return
    if _open_identifying_reports(photo, excluding=report).exists():
        return
    if corrected:
        photo.release_on_finish = True
        photo.save(update_fields=["release_on_finish", "updated_at"])
    else:
        photo.status = Photo.Status.ANONYMIZED
        photo.save(update_fields=["status", "updated_at"])


def _rotate_after_commit(photo_id) -> None:
    from projects.tasks import photo_derivatives_rotate

    transaction.on_commit(lambda: photo_derivatives_rotate.delay(photo_id), robust=True)


def _email_after_commit(report: DetectionReport, event: str) -> None:
    from reviews.tasks import report_email_send

    transaction.on_commit(lambda: report_email_send.delay(report.pk, event), robust=True)


# --- Corrections: regions staff blur or keep clear, each re-anonymizing the photo ----------

_CORRECTION_EVENTS = {
    ManualRegion.Action.REDACT: "blur added",
    ManualRegion.Action.KEEP_CLEAR: "automatic blur removed",
}


def _original_required(photo: Photo, what: str) -> None:
    if not photo.has_original:
        raise ValidationError(
            f"{what} needs the original, and this photo's original is deleted: "
            "blurred pixels cannot come back. Add a blur region instead if one is missing."
        )


def _reports_take(photo: Photo, by) -> None:
    """New reports on a photo staff are working on show as in progress, handled by them."""
    DetectionReport.objects.filter(photo=photo, status=DetectionReport.Status.NEW).update(
        status=DetectionReport.Status.IN_PROGRESS, handled_by=by, updated_at=timezone.now()
    )


@transaction.atomic
def photo_correction_add(
    *, photo: Photo, action: str, polygon_xy_norm: list, reason: str, by
) -> ManualRegion:
    """Blur a region of a photo, or remove the automatic blur inside it; re-anonymize it.

    The anonymized image, its thumbnails and the timelapse videos holding it
    are made again; the correction is written to the photo's history with
    who and why. Removing a blur needs the original (ValidationError
    otherwise, nothing saved), as do bad polygons and an empty reason.
    """
    photo = Photo.objects.select_for_update().get(pk=photo.pk)
    if action not in ManualRegion.Action.values:
        raise ValidationError({"action": f"Unknown correction {action!r}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why (it is kept in the photo's history)."})
    if action == ManualRegion.Action.KEEP_CLEAR:
        _original_required(photo, "Removing a blur")
    region = ManualRegion(
        photo=photo,
        action=action,
        polygon_xy_norm=polygon_xy_norm,
        reason=reason.strip()[:200],
        created_by=by,
    )
    region.full_clean()
    region.save()
    photo_work_request(photos=Photo.objects.filter(pk=photo.pk))
    _reports_take(photo, by)
    photo_event_record(
        photo=photo,
        action=_CORRECTION_EVENTS[action],
        actor=by,
        detail=f"Region {region.pk} ({len(polygon_xy_norm)} points): {region.reason}",
    )
    return region


@transaction.atomic
def photo_correction_remove(*, region: ManualRegion, by, reason: str) -> None:
    """Undo a correction and re-anonymize the photo from its original.

    Refused (ValidationError) once the original is deleted: a blur is then
    part of the anonymized pixels, and a removed "keep clear" could not be
    blurred again from them.
    """
    photo = Photo.objects.select_for_update().get(pk=region.photo_id)
    if not reason.strip():
        raise ValidationError({"reason": "Say why (it is kept in the photo's history)."})
    _original_required(photo, "Undoing a correction")
    label, region_id = region.get_action_display(), region.pk
    region.delete()
    photo_work_request(photos=Photo.objects.filter(pk=photo.pk))
    photo_event_record(
        photo=photo,
        action="correction undone",
        actor=by,
        detail=f"{label} (region {region_id}): {reason.strip()}",
    )


@transaction.atomic
def photo_anonymize_again(*, photo: Photo, by) -> Photo:
    """Re-run the anonymization (full detection from the original where it is kept).

    Raises PhotoNotProcessable when neither original nor anonymized image is left.
    """
    photo = photo_reprocess(photo=photo)
    _reports_take(photo, by)
    photo_event_record(
        photo=photo,
        action="reprocess requested",
        actor=by,
        detail="from the original" if photo.has_original else "on top of the anonymized image",
    )
    return photo


@transaction.atomic
def detection_report_resolve(
    *, report: DetectionReport, by, resolution: str, correction: str | None = "redact"
) -> DetectionReport:
    """Resolve a report, by default blurring the reported region; re-anonymize the photo.

    ``correction`` is ``"redact"`` (blur the reported region), ``"keep_clear"``
    (remove the automatic blur inside it; needs the original) or None (the
    photo was already corrected). The reporter is emailed the resolution. A
    quarantined photo returns to public view with the corrected version, once
    no identifying report on it is still open.
    """
    report = DetectionReport.objects.select_for_update().get(pk=report.pk)
    corrected = False
    if correction:
        photo_correction_add(
            photo=report.photo,
            action=correction,
            polygon_xy_norm=report.region_xy_norm,
            reason=f"Report {report.pk}: {report.get_kind_display()}",
            by=by,
        )
        corrected = True
    elif Photo.objects.filter(pk=report.photo_id, work_requested_at__isnull=False).exists():
        corrected = True  # a correction made before is still running: release with it
    return _report_close(
        report, DetectionReport.Status.RESOLVED, by=by, answer=resolution, corrected=corrected
    )


def _report_close(report, status, *, by, answer: str, corrected: bool) -> DetectionReport:
    """Close a report: record who and the answer, write history, release, email the reporter."""
    report.status = status
    report.resolution = answer.strip()
    report.handled_by = by
    report.resolved_at = timezone.now()
    report.save()
    photo_event_record(
        photo=report.photo,
        action=f"report {status}",
        actor=by,
        detail=f"Report {report.pk}: {report.resolution}",
    )
    _release_when_clear(report.photo, report, corrected=corrected)
    _email_after_commit(report, str(status))
    return report


@transaction.atomic
def detection_report_reject(*, report: DetectionReport, by, message: str) -> DetectionReport:
    """Reject a report with a message for the reporter; a photo it hid is shown again."""
    if not message.strip():
        raise ValidationError({"resolution": "Tell the reporter why the report is rejected."})
    report = DetectionReport.objects.select_for_update().get(pk=report.pk)
    return _report_close(
        report, DetectionReport.Status.REJECTED, by=by, answer=message, corrected=False
    )
