"""Test settings: the embedded profile in a throw-away data folder, fast and isolated."""

import atexit
import os
import shutil
import tempfile

# A developer's .env or shell must not change what the tests check.
os.environ["DEVISUBOX_DOTENV"] = "0"
os.environ["DEVISUBOX_PROFILE"] = "embedded"
for _name in ("DATABASE_URL", "STORAGE_BACKEND", "CACHE_URL", "CELERY_BROKER_URL", "DEBUG"):
    os.environ.pop(_name, None)
# CI runs the suite a second time on PostgreSQL (see .ci/with-postgres.sh).
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
_data_dir = tempfile.mkdtemp(prefix="devisubox-test-")
atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
os.environ["DATA_DIR"] = _data_dir

from devisubox.settings import *  # noqa: E402, F403
from devisubox.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
