"""The one settings module, driven by environment variables.

Two profiles, chosen by ``DEVISUBOX_PROFILE`` alone:

- ``embedded`` (default): SQLite, files on local disk under ``DATA_DIR``
  (originals in ``DATA_DIR/private``, outside anything served), Celery over
  kombu's filesystem transport. Nothing to install but Python packages.
- ``production``: PostgreSQL from ``DATABASE_URL``, Redis (or AMQP) from
  ``CELERY_BROKER_URL``, S3-compatible storage with originals in their own
  private bucket or prefix, secure cookies, HSTS and explicit allowed hosts.

Every variable is listed in ``.env.example``. A malformed value raises
``ImproperlyConfigured`` naming the variable.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from devisubox.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# A local .env is read for convenience (never overriding the real environment);
# tests switch this off so a developer's .env cannot change what they check.
if env_bool("DEVISUBOX_DOTENV", True):
    from dotenv import load_dotenv

    load_dotenv(BASE_DIR / ".env", override=False)

PROFILE = env_choice("DEVISUBOX_PROFILE", "embedded", ("embedded", "production"))
PRODUCTION = PROFILE == "production"

DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
if not PRODUCTION:
    for sub in (
        "media",
        "private/originals",
        "broker/queue",
        "broker/processed",
        "results",
        "cache",
        "static",
    ):
        (DATA_DIR / sub).mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY", required=PRODUCTION)
    if key:
        if PRODUCTION and (
            len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")
        ):
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
        return key
    # Embedded profile: one random key per data folder, kept so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false in the production profile.")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", () if PRODUCTION else ("localhost", "127.0.0.1", "[::1]", "testserver")
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "anonymizer",
    "projects",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "devisubox.urls"
WSGI_APPLICATION = "devisubox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "projects.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------

_database_url = env_str("DATABASE_URL", required=PRODUCTION) or (
    f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
)
try:
    _database = dj_database_url.parse(
        _database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if PRODUCTION and _database["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The production profile needs a postgres:// DATABASE_URL.")
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and worker write at the same time: WAL lets readers go on,
    # IMMEDIATE transactions and a busy timeout make writers wait instead of failing.
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth's rate limits need one shared by all web processes) ----

_cache_url = env_str("CACHE_URL", required=False)
if _cache_url:
    if not _cache_url.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("CACHE_URL must be a redis:// or rediss:// URL.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
elif PRODUCTION:
    raise ImproperlyConfigured("CACHE_URL (Redis) must be set in the production profile.")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# --- Storage ---------------------------------------------------------------

STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "s3" if PRODUCTION else "local", ("local", "s3"))
# Presigned URLs for anything not public live at most a minute.
SIGNED_URL_SECONDS = env_int("SIGNED_URL_SECONDS", 60, minimum=5, maximum=60)
# How long browsers and shared caches may keep a public anonymized image. A
# report hides a photo at the origin at once; a copy already cached lives at
# most this long, so it stays short.
PUBLIC_IMAGE_MAX_AGE_SECONDS = env_int("PUBLIC_IMAGE_MAX_AGE_SECONDS", 60, minimum=0, maximum=300)

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# Embedded: serve static files straight from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
_staticfiles = {
    "BACKEND": (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "whitenoise.storage.CompressedStaticFilesStorage"
    )
}

if STORAGE_BACKEND == "local":
    MEDIA_ROOT = DATA_DIR / "media"
    STORAGES = {
        # Anonymized derivatives. Not served as a folder: issue-5 views decide access.
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(MEDIA_ROOT)},
        },
        # Originals: a private folder beside, never inside, the media folder.
        "originals": {
            "BACKEND": "devisubox.storages.PrivateFileSystemStorage",
            "OPTIONS": {
                "location": env_str("ORIGINALS_DIR", str(DATA_DIR / "private" / "originals")),
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        },
        "staticfiles": _staticfiles,
    }
    if Path(STORAGES["originals"]["OPTIONS"]["location"]).resolve().is_relative_to(MEDIA_ROOT):
        raise ImproperlyConfigured("ORIGINALS_DIR must not lie inside the media folder.")
else:
    _s3_display_bucket = env_str("S3_DISPLAY_BUCKET", required=True)
    _s3_originals_bucket = env_str("S3_ORIGINALS_BUCKET", _s3_display_bucket)
    _s3_display_prefix = env_str("S3_DISPLAY_PREFIX", "display").strip("/")
    _s3_originals_prefix = env_str("S3_ORIGINALS_PREFIX", "originals").strip("/")
    if _s3_display_bucket == _s3_originals_bucket and (
        _s3_display_prefix.startswith(_s3_originals_prefix)
        or _s3_originals_prefix.startswith(_s3_display_prefix)
    ):
        raise ImproperlyConfigured(
            "Originals need their own bucket (S3_ORIGINALS_BUCKET) or a prefix that does not "
            "overlap the display prefix."
        )
    _s3_common = {
        "access_key": env_str("AWS_ACCESS_KEY_ID", required=True),
        "secret_key": env_str("AWS_SECRET_ACCESS_KEY", required=True),
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
        "region_name": env_str("AWS_S3_REGION_NAME"),
        "signature_version": "s3v4",
        "addressing_style": env_choice("AWS_S3_ADDRESSING_STYLE", "path", ("path", "virtual")),
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": SIGNED_URL_SECONDS,
        "file_overwrite": False,
    }
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3_common,
                "bucket_name": _s3_display_bucket,
                "location": _s3_display_prefix,
            },
        },
        "originals": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3_common,
                "bucket_name": _s3_originals_bucket,
                "location": _s3_originals_prefix,
                "object_parameters": {"CacheControl": "private, no-store"},
            },
        },
        "staticfiles": _staticfiles,
    }

# --- Celery ----------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", required=PRODUCTION) or "filesystem://"
if PRODUCTION and not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://")):
    raise ImproperlyConfigured("The production profile needs a redis:// or amqp:// broker.")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(DATA_DIR / "broker" / "queue"),
        "data_folder_out": str(DATA_DIR / "broker" / "queue"),
        "processed_folder": str(DATA_DIR / "broker" / "processed"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{DATA_DIR / 'results'}"
else:
    # A message not acknowledged after this long (its worker died) is handed out
    # again. Longer than the hard time limit, so a running task is not run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=30),
        # New uploads (priority 0) go before re-anonymizing a camera's history (6).
        "priority_steps": [0, 3, 6, 9],
        "queue_order_strategy": "priority",
    }
    CELERY_RESULT_BACKEND = env_str(
        "CELERY_RESULT_BACKEND",
        CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "rpc://",
    )
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep trying to reach a broker that is briefly down instead of giving up.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only once it finished, and re-queued if its worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int(
    "CELERY_TASK_SOFT_TIME_LIMIT", 540, minimum=5, maximum=CELERY_TASK_TIME_LIMIT - 1
)
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 2, minimum=1)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"
if not CELERY_BROKER_URL.startswith("filesystem://") and (
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= CELERY_TASK_TIME_LIMIT
):
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT.")

# Anonymization retries (storage or database errors) wait 2, 4, 8... seconds, at
# most PHOTO_RETRY_BACKOFF_MAX_SECONDS, up to PHOTO_TASK_MAX_RETRIES times
# (about half an hour with the defaults) before the photo is marked failed.
PHOTO_TASK_MAX_RETRIES = env_int("PHOTO_TASK_MAX_RETRIES", 10, minimum=0, maximum=50)
PHOTO_RETRY_BACKOFF_MAX_SECONDS = env_int("PHOTO_RETRY_BACKOFF_MAX_SECONDS", 600, minimum=1)
# A photo whose anonymization was requested or started this long ago without
# finishing (worker killed, message lost, broker down at upload) is queued
# again by a periodic sweep; after PHOTO_MAX_ATTEMPTS runs it is marked failed.
PHOTO_STUCK_SECONDS = env_int("PHOTO_STUCK_SECONDS", 1800, minimum=20)
if PHOTO_STUCK_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("PHOTO_STUCK_SECONDS must exceed CELERY_TASK_TIME_LIMIT.")
# Runs started for one request, retries and runs lost with their worker included:
# past this the photo is marked failed (a photo that kills its worker must not loop).
PHOTO_MAX_ATTEMPTS = env_int("PHOTO_MAX_ATTEMPTS", 15, minimum=1, maximum=200)
if PHOTO_MAX_ATTEMPTS <= PHOTO_TASK_MAX_RETRIES:
    raise ImproperlyConfigured("PHOTO_MAX_ATTEMPTS must exceed PHOTO_TASK_MAX_RETRIES.")
PHOTO_SWEEP_INTERVAL_SECONDS = env_int("PHOTO_SWEEP_INTERVAL_SECONDS", 300, minimum=1)

CELERY_BEAT_SCHEDULE = {
    "housekeeping-hourly": {"task": "projects.tasks.housekeeping_run", "schedule": 3600.0},
    "originals-purge-hourly": {"task": "projects.tasks.originals_purge", "schedule": 3600.0},
    "photos-requeue-stuck": {
        "task": "anonymizer.tasks.photos_requeue_stuck",
        "schedule": float(PHOTO_SWEEP_INTERVAL_SECONDS),
    },
}

# --- Accounts (django-allauth) ---------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "projects.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_FORMS = {"signup": "projects.forms.InvitationSignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Devisubox] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Failed logins lock an address out for 5 minutes after 5 tries (allauth's limits,
# kept in the cache, so production needs the shared Redis cache).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
}
# Originals are shown only within this many seconds of a two-factor verification
# in the session; after it, the user confirms their code again.
ORIGINALS_MFA_MAX_AGE_SECONDS = env_int(
    "ORIGINALS_MFA_MAX_AGE_SECONDS", 900, minimum=60, maximum=12 * 3600
)
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Devisubox")
INVITATION_EXPIRY_DAYS = env_int("INVITATION_EXPIRY_DAYS", 7, minimum=1, maximum=60)

# --- Email -----------------------------------------------------------------

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost", required=PRODUCTION)
EMAIL_PORT = env_int("EMAIL_PORT", 587 if PRODUCTION else 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", PRODUCTION)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Devisubox <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The platform's own privacy contact, shown on every page.
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", "privacy@localhost", required=PRODUCTION)
# Where new detection-error reports are announced (the privacy staff's inbox).
REVIEWS_STAFF_EMAIL = env_str("REVIEWS_STAFF_EMAIL", PRIVACY_CONTACT_EMAIL)
# The platform's address as users reach it, for the links in emails sent by workers.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000", required=PRODUCTION).rstrip("/")

# --- Photos ------------------------------------------------------------------

# Checked from the image header before any pixel is decoded (pixel bombs).
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 100_000_000, minimum=1_000_000)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- API -------------------------------------------------------------------

# Uploads each camera may make, as DRF writes rates ("120/min", "5000/day").
CAMERA_UPLOAD_RATE = env_str("CAMERA_UPLOAD_RATE", "60/min")
# Detection-error reports per visitor IP address or signed-in user.
REPORT_RATE = env_str("REPORT_RATE", "10/hour")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "projects.authentication.CameraTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "projects.apis.error_response",
    "DEFAULT_THROTTLE_RATES": {"camera_upload": CAMERA_UPLOAD_RATE},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Devisubox API",
    "DESCRIPTION": (
        "Cameras upload photos with `Authorization: Camera <token>`; members read them "
        'with their session. Errors are `{"error": {"code", "message"}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security ----------------------------------------------------------------

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=300)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if env_bool("SECURE_PROXY_SSL_HEADER", PRODUCTION):
    # Behind a reverse proxy that terminates TLS and sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Locale and logging ------------------------------------------------------

LANGUAGE_CODE = "en"
# Chosen from the browser's Accept-Language or the footer switcher (set_language).
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical")
        ).upper(),
    },
}
