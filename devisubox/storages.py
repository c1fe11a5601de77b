"""Storage classes of our own (the rest come from Django and django-storages)."""

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class PrivateFileSystemStorage(FileSystemStorage):
    """Local storage for originals: files have no URL, so none can leak into a page.

    Originals are only ever streamed by a view that checked access; ``url()``
    raises ``NotImplementedError`` to make any other use fail loudly.
    """

    def url(self, name):
        raise NotImplementedError("Originals have no public URL; serve them through a view.")


class _OriginalsStorage(LazyObject):
    """``STORAGES["originals"]``, looked up on first use (like ``default_storage``)."""

    def _setup(self):
        self._wrapped = storages["originals"]


originals_storage = _OriginalsStorage()


@receiver(setting_changed)
def _originals_storage_reset(*, setting, **kwargs):
    if setting == "STORAGES":
        originals_storage._wrapped = empty
