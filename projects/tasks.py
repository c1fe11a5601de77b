"""Celery tasks: thin wrappers that call services."""

import logging

from celery import shared_task

from projects.services import housekeeping_run as _housekeeping_run
from projects.services import originals_purge as _originals_purge

logger = logging.getLogger(__name__)


@shared_task
def housekeeping_run():
    """Periodic clean-up of expired sessions and stale invitations."""
    counts = _housekeeping_run()
    logger.info("housekeeping: %s", counts)
    return counts


@shared_task(acks_late=True)
def originals_purge():
    """Hourly: delete originals past their retention from the storage itself."""
    record = _originals_purge()
    return {"due": record.due, "deleted": record.deleted, "failed": record.failed}


@shared_task(bind=True, acks_late=True, max_retries=5)
def timelapse_export_render(self, export_id: int):
    """Make a timelapse MP4; storage or database errors are retried, others fail it."""
    from anonymizer.services import TRANSIENT_ERRORS
    from projects.models import TimelapseExport
    from projects.services import timelapse_export_render as render

    try:
        export = render(export_id=export_id)
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from None
    except Exception as exc:
        logger.exception("timelapse export %s failed", export_id)
        TimelapseExport.objects.filter(pk=export_id).update(
            status=TimelapseExport.Status.FAILED, error=f"{type(exc).__name__}: {exc}"
        )
        return "failed"
    return export.status


@shared_task(bind=True, acks_late=True, max_retries=8)
def photo_derivatives_rotate(self, photo_id):
    """Give a quarantined photo's images new storage keys (old presigned URLs die)."""
    from anonymizer.services import TRANSIENT_ERRORS
    from projects.services import photo_derivatives_rotate as rotate

    try:
        return rotate(photo_id=photo_id)
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=min(2 ** (self.request.retries + 1), 120)) from None
