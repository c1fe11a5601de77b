"""Keep storage in step with the database."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from projects.models import Photo

logger = logging.getLogger(__name__)

_PHOTO_FILE_FIELDS = ("original", "anonymized", "display", "thumbnail")


@receiver(post_delete, sender=Photo)
def photo_files_delete(sender, instance: Photo, **kwargs):
    """Delete a deleted photo's files once the deletion commits.

    An original must never outlive its row: it would be personal data that
    no purge can find any more.
    """
    files = [getattr(instance, name) for name in _PHOTO_FILE_FIELDS if getattr(instance, name)]

    def delete_files():
        for field_file in files:
            try:
                field_file.storage.delete(field_file.name)
            except Exception:
                logger.exception("could not delete %s of photo %s", field_file.name, instance.pk)

    transaction.on_commit(delete_files)
