"""What the test storages hold (each test has its own, see conftest ``_storage_in_tmp``)."""

from pathlib import Path

from django.core.files.storage import storages


def _files(alias: str) -> set[str]:
    root = Path(storages[alias].location)
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def stored_originals() -> set[str]:
    """Names of the files in the private originals storage."""
    return _files("originals")


def stored_display() -> set[str]:
    """Names of the files in the display storage (anonymized derivatives)."""
    return _files("default")
