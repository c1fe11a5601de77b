"""Storage classes of our own (the rest come from Django and django-storages)."""

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Local storage for originals: files have no URL, so none can leak into a page.

    Originals are only ever streamed by a view that checked access; ``url()``
    raises ``NotImplementedError`` to make any other use fail loudly.
    """

    def url(self, name):
        raise NotImplementedError("Originals have no public URL; serve them through a view.")
