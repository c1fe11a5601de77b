"""Writes for detection-error reports."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from projects.models import Photo
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
    return report
