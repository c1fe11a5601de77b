"""The real pipeline on the production profile, with faults.

gunicorn serves the upload API, a Celery worker process anonymizes from
Redis, PostgreSQL holds the rows and SeaweedFS the files (S3). Each test
uploads over HTTP and checks what a camera owner would notice: the photo ends
anonymized and its original bytes are gone from the bucket, whatever broke
on the way.
"""

import io
import uuid

import pytest
import requests
from PIL import Image
from skimage import data

from tests.integration.stack import DISPLAY_BUCKET, ORIGINALS_BUCKET, wait_until

pytestmark = pytest.mark.integration

CAMERA_CODE = """
from projects.models import Customer, Project
from projects.services import camera_create
customer, _ = Customer.objects.get_or_create(slug="it", defaults={{"name": "Integration"}})
project = Project.objects.create(customer=customer, name="{slug}", slug="{slug}", is_public=True)
camera, token = camera_create(project=project, name="Crane")
print("CAMERA", camera.pk, token)
"""


def astronaut_jpeg(long_side: int = 512, *, tag: str = "") -> bytes:
    """A real photo of a person; ``tag`` (a JPEG comment) makes the bytes unique."""
    image = Image.fromarray(data.astronaut())
    if long_side != 512:
        image = image.resize((long_side, long_side * 3 // 4))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, comment=(tag or uuid.uuid4().hex).encode())
    return buffer.getvalue()


@pytest.fixture
def camera(stack):
    """(camera id, upload token) of a fresh camera in a fresh public project."""
    output = stack.manage("shell", "-c", CAMERA_CODE.format(slug=f"site-{uuid.uuid4().hex[:8]}"))
    _, camera_id, token = output.stdout.strip().splitlines()[-1].split()
    return int(camera_id), token


def upload(web, token, content: bytes) -> requests.Response:
    return requests.post(
        f"{web.url}/api/v1/photos/",
        headers={"Authorization": f"Camera {token}"},
        files={"image": ("photo.jpg", content, "image/jpeg")},
        timeout=60,
    )


def photo_row(stack, photo_id) -> dict:
    columns = ["status", "original", "anonymized", "display", "thumbnail", "error", "attempts"]
    (row,) = stack.sql(
        f"select {', '.join(columns)} from projects_photo where id = %s",  # noqa: S608
        (photo_id,),
    )
    return dict(zip(columns, row, strict=True))


def wait_for_status(
    stack, photo_id, status: str, timeout: float, *, logs=(), original_gone: bool = True
) -> dict:
    """Wait for ``status``; for "anonymized" also (unless the project keeps originals)
    for the original's deletion, which follows right after the commit."""

    def reached():
        row = photo_row(stack, photo_id)
        if row["status"] == "failed" and status != "failed":
            raise AssertionError(f"photo failed: {row['error']}")
        if status == "anonymized" and original_gone and row["original"]:
            return None
        return row if row["status"] == status else None

    try:
        return wait_until(reached, timeout=timeout, what=f"photo {photo_id} {status}")
    except Exception as exc:
        tails = "\n".join(f"--- {h.name} ---\n{h.log()[-4000:]}" for h in logs)
        raise AssertionError(f"{exc}\nrow: {photo_row(stack, photo_id)}\n{tails}") from None


def bucket_holds(stack, bucket: str, content: bytes) -> bool:
    """True if any object of ``bucket`` has exactly these bytes."""
    return any(
        stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read() == content
        for key in stack.s3_keys(bucket)
    )


def assert_anonymized_and_original_gone(stack, row, original: bytes):
    assert row["original"] in (None, "")
    assert not bucket_holds(stack, ORIGINALS_BUCKET, original)
    keys = set(stack.s3_keys(DISPLAY_BUCKET))
    for field in ("anonymized", "display", "thumbnail"):
        key = f"display/{row[field]}"
        assert key in keys
        stored = stack.s3.get_object(Bucket=DISPLAY_BUCKET, Key=key)["Body"].read()
        assert stored != original
        assert not Image.open(io.BytesIO(stored)).getexif()


def test_an_upload_is_anonymized_and_its_original_leaves_the_bucket(stack, camera, web, worker):
    content = astronaut_jpeg()

    response = upload(web, camera[1], content)

    assert response.status_code == 201, response.text
    photo_id = response.json()["id"]
    assert upload(web, camera[1], content).json()["id"] == photo_id  # a retry: same photo
    row = wait_for_status(stack, photo_id, "anonymized", timeout=120, logs=[worker])
    assert_anonymized_and_original_gone(stack, row, content)
    runs = stack.sql(
        "select outcome, source, counts from anonymizer_anonymizationrun where photo_id = %s",
        (photo_id,),
    )
    assert [(outcome, source) for outcome, source, _ in runs] == [("succeeded", "original")]
    assert runs[0][2].get("person", 0) >= 1
    status = requests.get(
        f"{web.url}/api/v1/photos/{photo_id}/",
        headers={"Authorization": f"Camera {camera[1]}"},
        timeout=10,
    ).json()
    assert status["status"] == "anonymized"


def test_a_worker_killed_mid_task_does_not_lose_the_photo(stack, camera, web):
    # Production-like: the broker would hand the task out again only after an hour;
    # the sweep (every 2 s here) queues the photo again once its claim is 45 s old.
    env = {
        "CELERY_TASK_TIME_LIMIT": "40",
        "CELERY_TASK_SOFT_TIME_LIMIT": "35",
        "PHOTO_STUCK_SECONDS": "45",
        "PHOTO_SWEEP_INTERVAL_SECONDS": "2",
    }
    content = astronaut_jpeg(4000)  # 12 MP: several seconds of work to be killed in
    photo_id = upload(web, camera[1], content).json()["id"]
    first = stack.start_worker(env=env, name="doomed")
    wait_for_status(stack, photo_id, "processing", timeout=60, logs=[first])

    first.kill()  # SIGKILL, the whole process group: a machine dying mid-task

    row = photo_row(stack, photo_id)
    assert row["status"] == "processing"
    assert bucket_holds(stack, ORIGINALS_BUCKET, content)
    beat = stack.start_beat(env=env)
    second = stack.start_worker(env=env, name="heir")
    try:
        row = wait_for_status(stack, photo_id, "anonymized", timeout=180, logs=[beat, second])
        assert_anonymized_and_original_gone(stack, row, content)
        assert "stuck photos queued again" in second.log()
    finally:
        second.stop()
        beat.stop()


def test_storage_down_for_a_while_is_retried_and_nothing_is_lost(stack, camera, web):
    content = astronaut_jpeg(tag="s3-outage")
    photo_id = upload(web, camera[1], content).json()["id"]
    stack.stop_s3(kill=True)
    # While S3 is away a camera's upload is refused (503), not half-stored.
    refused = upload(web, camera[1], astronaut_jpeg())
    assert refused.status_code == 503
    assert refused.headers["Retry-After"]
    worker = stack.start_worker(env={"PHOTO_RETRY_BACKOFF_MAX_SECONDS": "3"}, name="patient")
    try:
        worker.wait_for_log(r"retry 2/", timeout=90)
        assert photo_row(stack, photo_id)["status"] == "processing"

        stack.start_s3()

        row = wait_for_status(stack, photo_id, "anonymized", timeout=120, logs=[worker])
        assert_anonymized_and_original_gone(stack, row, content)
        assert row["attempts"] == 0
        (attempt,) = stack.sql(
            "select attempt from anonymizer_anonymizationrun where photo_id = %s and outcome = %s",
            (photo_id, "succeeded"),
        )[0]
        assert attempt >= 3
    finally:
        worker.stop()


def test_queued_work_survives_a_broker_restart(stack, camera, web):
    contents = [astronaut_jpeg(tag=f"queued-{n}") for n in range(2)]
    ids = [upload(web, camera[1], content).json()["id"] for content in contents]

    stack.restart_redis()

    # The web server reconnects to the broker by itself.
    late = astronaut_jpeg(tag="after-restart")
    response = upload(web, camera[1], late)
    assert response.status_code == 201, response.text
    worker = stack.start_worker(name="after-restart")
    try:
        for photo_id, content in zip([*ids, response.json()["id"]], [*contents, late], strict=True):
            row = wait_for_status(stack, photo_id, "anonymized", timeout=120, logs=[worker])
            assert_anonymized_and_original_gone(stack, row, content)
    finally:
        worker.stop()


def test_a_photo_the_engine_refuses_ends_failed_and_keeps_its_original(stack, camera, web):
    # The worker's engine allows fewer pixels than the web server did: what it
    # refuses fails at once (no retry can help), stays hidden and keeps its original.
    content = astronaut_jpeg(tag="small-enough")
    photo_id = upload(web, camera[1], content).json()["id"]
    worker = stack.start_worker(env={"MAX_IMAGE_PIXELS": "1000000"}, name="strict")
    try:
        row = wait_for_status(stack, photo_id, "anonymized", timeout=120, logs=[worker])
        assert row["original"] in (None, "")
        big = astronaut_jpeg(4000)
        big_id = upload(web, camera[1], big).json()["id"]
        row = wait_for_status(stack, big_id, "failed", timeout=120, logs=[worker])
        assert "pixels" in row["error"]
        assert row["anonymized"] == ""
        assert bucket_holds(stack, ORIGINALS_BUCKET, big)
        (runs,) = stack.sql(
            "select count(*) from anonymizer_anonymizationrun where photo_id = %s", (big_id,)
        )[0]
        assert runs == 1
    finally:
        worker.stop()
