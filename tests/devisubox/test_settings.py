"""The settings module fails loudly on bad values and builds both profiles."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from devisubox.env import env_bool, env_choice, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEVISUBOX_PROFILE": "production",
    "SECRET_KEY": "t3st-only-9f8e7d6c5b4a3928171605f4e3d2c1b0a9f8e7d6c5b4a39",
    "ALLOWED_HOSTS": "photos.example.com",
    "DATABASE_URL": "postgres://devisubox:secret@db.internal:5432/devisubox",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "CACHE_URL": "redis://redis.internal:6379/1",
    "S3_DISPLAY_BUCKET": "devisubox-display",
    "S3_ORIGINALS_BUCKET": "devisubox-originals",
    "AWS_ACCESS_KEY_ID": "key",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.com",
    "EMAIL_HOST": "smtp.example.com",
    "PRIVACY_CONTACT_EMAIL": "privacy@example.com",
    "SITE_URL": "https://timelapse.example.com",
}


def run_python(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    """Run Python with ``args`` in a fresh interpreter that sees exactly ``env``."""
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean.update({"DEVISUBOX_DOTENV": "0", "DATA_DIR": str(tmp_path / "data")}, **env)
    clean["DJANGO_SETTINGS_MODULE"] = "devisubox.settings"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def run_django(code: str, env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    """Run ``code`` after django.setup()."""
    script = f"import django\ndjango.setup()\nfrom django.conf import settings\n{code}"
    return run_python(["-c", script], env, tmp_path)


def run_manage(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    return run_python(["manage.py", *args], env, tmp_path)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"MAX_IMAGE_PIXELS": "lots"}, "MAX_IMAGE_PIXELS='lots' is not an integer"),
        ({"UPLOAD_MAX_BYTES": "12"}, "UPLOAD_MAX_BYTES=12 is below 1024"),
        ({"SIGNED_URL_SECONDS": "3600"}, "SIGNED_URL_SECONDS=3600 is above 60"),
        ({"DEVISUBOX_PROFILE": "staging"}, "DEVISUBOX_PROFILE='staging' must be one of"),
        ({"DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL is not a valid database URL"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL='loud' must be one of"),
        ({"CACHE_URL": "memcached://x"}, "CACHE_URL must be a redis://"),
    ],
)
def test_it_refuses_to_start_on_a_malformed_value(env, message, tmp_path):
    result = run_django("print('started')", env, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert "started" not in result.stdout


@pytest.mark.parametrize(
    ("missing_or_bad", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set"),
        ({"DATABASE_URL": "sqlite:////tmp/x.db"}, "needs a postgres:// DATABASE_URL"),
        ({"CELERY_BROKER_URL": "filesystem://"}, "needs a redis:// or amqp:// broker"),
        ({"CACHE_URL": ""}, "CACHE_URL (Redis) must be set"),
        ({"S3_DISPLAY_BUCKET": ""}, "S3_DISPLAY_BUCKET must be set"),
        (
            {"S3_ORIGINALS_BUCKET": "devisubox-display", "S3_ORIGINALS_PREFIX": "display/raw"},
            "Originals need their own bucket",
        ),
        ({"DEBUG": "true"}, "DEBUG must be false in the production profile"),
    ],
)
def test_production_profile_refuses_missing_or_unsafe_settings(missing_or_bad, message, tmp_path):
    result = run_django("print('started')", {**PRODUCTION_ENV, **missing_or_bad}, tmp_path)

    assert result.returncode != 0
    assert message in result.stderr


def test_production_profile_passes_check_deploy(tmp_path):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_profile_uses_postgres_redis_and_separate_s3_buckets(tmp_path):
    code = (
        "s = settings.STORAGES\n"
        "print(settings.DATABASES['default']['ENGINE'])\n"
        "print(settings.CELERY_BROKER_URL)\n"
        "print(s['default']['OPTIONS']['bucket_name'], s['originals']['OPTIONS']['bucket_name'])\n"
        "print(s['originals']['OPTIONS']['querystring_expire'])\n"
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)\n"
    )
    result = run_django(code, PRODUCTION_ENV, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:5] == [
        "django.db.backends.postgresql",
        "redis://redis.internal:6379/0",
        "devisubox-display devisubox-originals",
        "60",
        "True True 31536000",
    ]


def test_one_bucket_with_separate_prefixes_is_accepted(tmp_path):
    env = {**PRODUCTION_ENV, "S3_ORIGINALS_BUCKET": "devisubox-display"}
    env.update(S3_DISPLAY_PREFIX="public", S3_ORIGINALS_PREFIX="private-originals")
    result = run_django(
        "print(settings.STORAGES['originals']['OPTIONS']['location'])", env, tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "private-originals"


def test_originals_folder_inside_media_is_refused(tmp_path):
    env = {"ORIGINALS_DIR": str(tmp_path / "data" / "media" / "originals")}
    result = run_django("print('started')", env, tmp_path)

    assert result.returncode != 0
    assert "ORIGINALS_DIR must not lie inside the media folder" in result.stderr


def test_embedded_profile_needs_no_server(tmp_path):
    code = (
        "print(settings.DATABASES['default']['ENGINE'])\n"
        "print(settings.CELERY_BROKER_URL)\n"
        "print(settings.STORAGES['originals']['OPTIONS']['location'])\n"
        "print(settings.MEDIA_ROOT)\n"
    )
    result = run_django(code, {}, tmp_path)

    assert result.returncode == 0, result.stderr
    engine, broker, originals, media = result.stdout.split("\n")[:4]
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert originals == str(tmp_path / "data" / "private" / "originals")
    assert not Path(originals).is_relative_to(media)


def test_running_tests_use_the_embedded_profile():
    assert settings.PROFILE == "embedded"
    assert not settings.PRODUCTION


class TestEnvReaders:
    def test_booleans_accept_the_usual_spellings(self, monkeypatch):
        for raw, expected in [
            ("1", True),
            ("Yes", True),
            ("on", True),
            ("0", False),
            ("off", False),
        ]:
            monkeypatch.setenv("FLAG", raw)
            assert env_bool("FLAG", not expected) is expected

    def test_unset_or_blank_gives_the_default(self, monkeypatch):
        monkeypatch.delenv("ABSENT", raising=False)
        monkeypatch.setenv("BLANK", "  ")
        assert env_bool("ABSENT", True) is True
        assert env_int("BLANK", 7) == 7
        assert env_list("ABSENT", ["a"]) == ["a"]
        assert env_str("BLANK", "x") == "x"
        assert env_choice("ABSENT", "a", ("a", "b")) == "a"

    def test_integers_are_bounded(self, monkeypatch):
        monkeypatch.setenv("N", "31")
        with pytest.raises(ImproperlyConfigured, match="N=31 is above 30"):
            env_int("N", 1, maximum=30)

    def test_lists_drop_blanks(self, monkeypatch):
        monkeypatch.setenv("HOSTS", "a.example, ,b.example,")
        assert env_list("HOSTS") == ["a.example", "b.example"]

    def test_required_value_missing_raises(self, monkeypatch):
        monkeypatch.delenv("NEEDED", raising=False)
        with pytest.raises(ImproperlyConfigured, match="NEEDED must be set"):
            env_str("NEEDED", required=True)


def test_env_example_lists_every_setting_read_from_the_environment():
    import re

    source = (ROOT / "devisubox" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list|choice)\(\s*"([A-Z0-9_]+)"', source))
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))

    assert len(read) > 30
    assert read - listed == set()
    assert listed - read == set()
