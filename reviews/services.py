"""Writes for detection-error reports."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from projects.models import Photo
from projects.services import photo_event_record
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


def _email_after_commit(report: DetectionReport, event: str) -> None:
    from reviews.tasks import report_email_send

    transaction.on_commit(lambda: report_email_send.delay(report.pk, event), robust=True)


@transaction.atomic
def detection_report_resolve(
    *, report: DetectionReport, by, resolution: str, blur_reported_region: bool = True
) -> DetectionReport:
    """Resolve a report: by default redact the reported region and anonymize the photo again.

    The reporter is emailed the resolution. A quarantined photo returns to
    public view with the corrected version, once no identifying report on
    it is still open.
    """
    from projects.models import ManualRegion
    from projects.services import photo_work_request

    report = DetectionReport.objects.select_for_update().get(pk=report.pk)
    corrected = False
    if blur_reported_region:
        ManualRegion.objects.create(
            photo=report.photo,
            polygon_xy_norm=report.region_xy_norm,
            reason=f"Report {report.pk}: {report.get_kind_display()}",
            created_by=by,
        )
        corrected = bool(photo_work_request(photos=Photo.objects.filter(pk=report.photo_id)))
    report.status = DetectionReport.Status.RESOLVED
    report.resolution = resolution.strip()
    report.handled_by = by
    report.resolved_at = timezone.now()
    report.save()
    photo_event_record(
        photo=report.photo,
        action="report resolved",
        actor=by,
        detail=f"Report {report.pk}"
        + (" (reported region redacted)" if blur_reported_region else "")
        + f": {report.resolution}",
    )
    _release_when_clear(report.photo, report, corrected=corrected)
    _email_after_commit(report, "resolved")
    return report


@transaction.atomic
def detection_report_reject(*, report: DetectionReport, by, message: str) -> DetectionReport:
    """Reject a report with a message for the reporter; a photo it hid is shown again."""
    if not message.strip():
        raise ValidationError({"resolution": "Tell the reporter why the report is rejected."})
    report = DetectionReport.objects.select_for_update().get(pk=report.pk)
    report.status = DetectionReport.Status.REJECTED
    report.resolution = message.strip()
    report.handled_by = by
    report.resolved_at = timezone.now()
    report.save()
    photo_event_record(
        photo=report.photo,
        action="report rejected",
        actor=by,
        detail=f"Report {report.pk}: {report.resolution}",
    )
    _release_when_clear(report.photo, report, corrected=False)
    _email_after_commit(report, "rejected")
    return report
