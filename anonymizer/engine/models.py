"""Model files shipped inside installed packages: where they are and what they are.

Nothing is ever downloaded: a missing file raises ``ModelMissing`` saying
which package to install.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import cache
from pathlib import Path


class ModelMissing(RuntimeError):
    """A model file is not installed."""


def package_file(package: str, relative_path: str) -> Path:
    """The path of ``relative_path`` inside ``package``, found without importing it.

    Raises ModelMissing when the package or the file is not installed.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            f"The model package {package!r} is not installed; run `make install` "
            f"(or pip install the project's model packages)."
        )
    path = Path(spec.submodule_search_locations[0]) / relative_path
    if not path.is_file():
        raise ModelMissing(f"The model file {path} is missing from the package {package!r}.")
    return path


@cache
def file_sha256(path: Path) -> str:
    """SHA-256 of a model file, computed once per process."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
