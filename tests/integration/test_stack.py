"""The harness itself: every service answers, keeps its data and can be broken on purpose."""

import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from tests.integration.stack import DISPLAY_BUCKET, ORIGINALS_BUCKET

pytestmark = pytest.mark.integration


def test_postgres_answers_and_is_migrated(stack):
    assert stack.sql("select 1") == [(1,)]
    tables = {
        name
        for (name,) in stack.sql(
            "select table_name from information_schema.tables where table_schema = %s",
            ("public",),
        )
    }
    assert {"projects_photo", "django_migrations", "auth_user"} <= tables


def test_postgres_keeps_its_data_across_a_restart(stack):
    stack.sql("create table harness_restart (note text)")
    try:
        stack.sql("insert into harness_restart values (%s)", ("kept",))
        stack.restart_postgres()
        assert stack.sql("select note from harness_restart") == [("kept",)]
    finally:
        stack.sql("drop table if exists harness_restart")


def test_manage_runs_the_production_profile(stack):
    result = stack.manage("check")
    assert "no issues" in result.stdout
    shown = stack.manage("shell", "-c", "from django.conf import settings; print(settings.PROFILE)")
    assert shown.stdout.strip().splitlines()[-1] == "production"


def test_s3_round_trip_in_each_bucket(stack):
    for bucket in (DISPLAY_BUCKET, ORIGINALS_BUCKET):
        key = f"harness/{uuid.uuid4().hex}.txt"
        stack.s3.put_object(Bucket=bucket, Key=key, Body=b"hello " + bucket.encode())
        body = stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert body == b"hello " + bucket.encode()
        assert key in stack.s3_keys(bucket)
        stack.s3.delete_object(Bucket=bucket, Key=key)
        assert key not in stack.s3_keys(bucket)


def test_s3_refuses_wrong_credentials(stack):
    wrong_secret = stack.s3_client(secret_key="not-the-secret-key", max_attempts=1)
    with pytest.raises(ClientError) as refused:
        wrong_secret.list_objects_v2(Bucket=DISPLAY_BUCKET)
    assert refused.value.response["Error"]["Code"] in {"SignatureDoesNotMatch", "AccessDenied"}
    unknown_key = stack.s3_client(access_key="unknown-key", max_attempts=1)
    with pytest.raises(ClientError) as refused:
        unknown_key.get_object(Bucket=ORIGINALS_BUCKET, Key="anything")
    assert refused.value.response["Error"]["Code"] in {"InvalidAccessKeyId", "AccessDenied"}


def test_s3_can_go_down_and_come_back_with_its_objects(stack):
    key = f"harness/{uuid.uuid4().hex}.bin"
    payload = uuid.uuid4().bytes * 1000
    stack.s3.put_object(Bucket=ORIGINALS_BUCKET, Key=key, Body=payload)
    stack.stop_s3()
    try:
        assert not stack.s3_running
        impatient = stack.s3_client(max_attempts=1, connect_timeout=2)
        with pytest.raises(EndpointConnectionError):
            impatient.get_object(Bucket=ORIGINALS_BUCKET, Key=key)
    finally:
        stack.start_s3()
    assert stack.s3.get_object(Bucket=ORIGINALS_BUCKET, Key=key)["Body"].read() == payload
    stack.s3.delete_object(Bucket=ORIGINALS_BUCKET, Key=key)


def test_redis_keeps_its_data_across_a_restart(stack):
    name = f"harness-{uuid.uuid4().hex}"
    client = stack.redis(db=0)
    client.rpush(name, "one", "two", "three")
    client.close()
    stack.restart_redis()
    client = stack.redis(db=0)
    try:
        assert client.lrange(name, 0, -1) == [b"one", b"two", b"three"]
        client.delete(name)
    finally:
        client.close()


def test_worker_answers_ping_and_can_be_killed(stack):
    worker = stack.start_worker(name="harness-ping")
    try:
        result = stack.celery("inspect", "ping", "-d", worker.nodename, "--timeout", "10")
        assert worker.nodename in result.stdout
        assert "pong" in result.stdout
        worker.kill()
        assert not worker.running
        assert "ready." in worker.log()
    finally:
        worker.stop()


def test_beat_starts_and_stops(stack):
    beat = stack.start_beat()
    assert beat.running
    assert beat.stop(timeout=15) is not None
    assert not beat.running


def test_web_serves_the_login_page(web):
    with urllib.request.urlopen(web.url + "/accounts/login/", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert b"password" in response.read().lower()
