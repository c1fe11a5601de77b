"""Emails about reports, sent by a worker after the change is committed."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from reviews.models import DetectionReport

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=5)
def report_email_send(self, report_id: int, event: str):
    """``new``: tell the privacy staff; ``resolved``/``rejected``: answer the reporter."""
    report = (
        DetectionReport.objects.select_related("photo__camera__project")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        return "gone"
    project = report.photo.camera.project
    prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
    if event == "new":
        recipients = [settings.REVIEWS_STAFF_EMAIL]
        subject = f"{prefix}New report: {report.get_kind_display()} ({project.name})"
        review = settings.SITE_URL + reverse("admin:reviews_photo_review", args=[report.photo_id])
        body = (
            f"A detection-error report was sent for a photo of {project.name}.\n\n"
            f"Kind: {report.get_kind_display()}\n"
            f"Photo hidden from the public: {'yes' if report.quarantined_photo else 'no'}\n"
            f"Message: {report.message or '(none)'}\n\n"
            f"Review and correct the photo in the admin: {review}\n"
        )
    else:
        if not report.reporter_email:
            return "no address"
        recipients = [report.reporter_email]
        outcome = "corrected" if event == "resolved" else "checked and left as it is"
        subject = f"{prefix}Your report about a photo of {project.name}"
        photo_url = settings.SITE_URL + reverse("photo_detail", args=[report.photo_id])
        body = (
            f"Thank you for your report ({report.get_kind_display().lower()}).\n\n"
            f"The photo was {outcome}.\n\n{report.resolution or ''}\n\n"
            f"The photo: {photo_url}\n"
        )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=60) from None
    return "sent"
