"""Celery tasks: thin wrappers that take ids and call services.

``anonymize_photo`` is acknowledged only when it ends (``acks_late``) and is
handed out again if its worker dies (``reject_on_worker_lost``); it retries
storage and database errors with exponential backoff and, after the last
retry, marks the photo failed with the error kept for staff.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from anonymizer import services

logger = logging.getLogger(__name__)

# Redis priorities: lower runs first. New uploads go before reprocessing a history.
PRIORITY_NEW = 0
PRIORITY_BACKLOG = 6


def retry_countdown(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: 2, 4, 8... up to the configured cap."""
    return get_exponential_backoff_interval(
        factor=2,
        retries=retries,
        maximum=settings.PHOTO_RETRY_BACKOFF_MAX_SECONDS,
        full_jitter=False,
    )


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.PHOTO_TASK_MAX_RETRIES,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def anonymize_photo(self, photo_id: str):
    """Anonymize one photo; safe to run twice (the second run finds nothing to do)."""
    worker = self.request.hostname or ""
    try:
        run = services.photo_anonymize(photo_id=photo_id, worker=worker)
    except (*services.TRANSIENT_ERRORS, SoftTimeLimitExceeded) as exc:
        error = f"{type(exc).__name__}: {exc}"
        if self.request.retries < self.max_retries:
            countdown = retry_countdown(self.request.retries)
            logger.warning(
                "photo %s: %s; retry %s/%s in %s s",
                photo_id,
                error,
                self.request.retries + 1,
                self.max_retries,
                countdown,
            )
            raise self.retry(exc=exc, countdown=countdown) from None
        services.photo_anonymize_fail(
            photo_id=photo_id,
            error=f"Gave up after {self.max_retries} retries. Last error: {error}",
            worker=worker,
        )
        return "failed"
    except Exception as exc:
        # The engine or the photo itself: trying again would fail the same way.
        logger.exception("photo %s could not be anonymized", photo_id)
        services.photo_anonymize_fail(
            photo_id=photo_id, error=f"{type(exc).__name__}: {exc}", worker=worker
        )
        return "failed"
    return run.outcome if run else "nothing to do"


@shared_task(acks_late=True)
def photos_requeue_stuck():
    """Periodic: queue again photos whose anonymization stalled or was never queued."""
    return services.photos_requeue_stuck()
