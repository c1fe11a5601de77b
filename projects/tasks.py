"""Celery tasks: thin wrappers that call services."""

import logging

from celery import shared_task

from projects.services import housekeeping_run as _housekeeping_run

logger = logging.getLogger(__name__)


@shared_task
def housekeeping_run():
    """Periodic clean-up of expired sessions and stale invitations."""
    counts = _housekeeping_run()
    logger.info("housekeeping: %s", counts)
    return counts
