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
