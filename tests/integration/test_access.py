"""Originals and images on the real stack: presigned S3 URLs, 2FA sign-in, the audit row."""

import io
import re
import uuid

import pytest
import requests
from PIL import Image

from tests.integration.stack import wait_until
from tests.integration.test_pipeline import astronaut_jpeg, upload, wait_for_status

pytestmark = pytest.mark.integration

SETUP_CODE = """
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from projects.models import Customer, Membership, Project
from projects.services import camera_create
customer = Customer.objects.create(name="Keeper", slug="keeper-{n}")
project = Project.objects.create(
    customer=customer, name="Yard", slug="yard-{n}", is_public=True,
    originals_enabled=True, originals_purpose="Night security", originals_retention_days=7,
)
camera, token = camera_create(project=project, name="Gate")
user = get_user_model().objects.create_user("owner-{n}@example.com", "owner-{n}@example.com", "a-long-password-9")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
Membership.objects.create(user=user, customer=customer, role="owner", can_view_originals=True)
secret = generate_totp_secret()
TOTP.activate(user, secret)
print("SETUP", token, user.email, secret)
"""


def totp_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def post_form(session, url, data):
    page = session.get(url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(url, data={**data, "csrfmiddlewaretoken": token}, timeout=10)


def test_a_member_with_2fa_gets_the_original_through_a_short_presigned_url(stack, web, worker):
    output = stack.manage("shell", "-c", SETUP_CODE.format(n=uuid.uuid4().hex[:8]))
    _, token, email, secret = output.stdout.strip().splitlines()[-1].split()
    content = astronaut_jpeg(tag="kept-original")
    photo_id = upload(web, token, content).json()["id"]
    wait_for_status(stack, photo_id, "anonymized", timeout=120, logs=[worker], original_gone=False)

    # Anyone: the anonymized image, through a presigned URL of the private bucket.
    anonymous = requests.get(
        f"{web.url}/photos/{photo_id}/image/display/", timeout=10, allow_redirects=False
    )
    assert anonymous.status_code == 302 and "X-Amz-Expires=60" in anonymous.headers["Location"]
    image = requests.get(anonymous.headers["Location"], timeout=10)
    assert image.status_code == 200 and image.content != content
    assert not Image.open(io.BytesIO(image.content)).getexif()
    # Anyone, for the original: to the sign-in page; the bucket refuses an unsigned read.
    refused = requests.get(
        f"{web.url}/photos/{photo_id}/original/", timeout=10, allow_redirects=False
    )
    assert refused.status_code == 302 and "/accounts/login/" in refused.headers["Location"]

    member = requests.Session()
    post_form(
        member, f"{web.url}/accounts/login/", {"login": email, "password": "a-long-password-9"}
    )
    post_form(member, f"{web.url}/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    redirect = member.get(
        f"{web.url}/photos/{photo_id}/original/", timeout=10, allow_redirects=False
    )

    assert redirect.status_code == 302, redirect.text[:500]
    assert redirect.headers["Cache-Control"] == "private, no-store"
    location = redirect.headers["Location"]
    assert "X-Amz-Expires=60" in location and "/originals/" in location
    original = requests.get(location, timeout=10)
    assert original.status_code == 200 and original.content == content
    assert original.headers.get("Cache-Control") == "private, no-store"
    unsigned = requests.get(location.split("?")[0], timeout=10)
    assert unsigned.status_code in (401, 403)
    audit = stack.sql(
        "select user_email, purpose from projects_originalaccess where photo_uuid = %s",
        (photo_id,),
    )
    assert audit == [(email, "Night security")]


def test_a_report_makes_the_public_image_unreachable_even_through_a_url_handed_out_before(
    stack, web, worker
):
    output = stack.manage("shell", "-c", SETUP_CODE.format(n=uuid.uuid4().hex[:8]))
    token = output.stdout.strip().splitlines()[-1].split()[1]
    photo_id = upload(web, token, astronaut_jpeg(tag="to-be-reported")).json()["id"]
    wait_for_status(stack, photo_id, "anonymized", timeout=120, logs=[worker], original_gone=False)
    image_url = f"{web.url}/photos/{photo_id}/image/display/"
    before = requests.get(image_url, timeout=10, allow_redirects=False)
    signed = before.headers["Location"]
    assert requests.get(signed, timeout=10).status_code == 200

    reported = requests.post(
        f"{web.url}/api/v1/photos/{photo_id}/reports/",
        json={
            "kind": "face_visible",
            "region_xy_norm": [[0.3, 0.1], [0.7, 0.1], [0.7, 0.6], [0.3, 0.6]],
            "email": "walker@example.org",
        },
        timeout=10,
    )

    assert reported.status_code == 201 and reported.json()["photo_hidden"] is True
    assert requests.get(image_url, timeout=10, allow_redirects=False).status_code == 404
    # The worker moves the files to new keys: the URL signed before now leads nowhere.
    wait_until(
        lambda: requests.get(signed, timeout=10).status_code in (403, 404),
        timeout=30,
        what="the presigned URL signed before the report to stop working",
    )

    # The staff e-mail is a task of its own: it may run after the files have moved.
    def mailed() -> str | None:
        log = worker.log()
        return log if "New report: A face is visible" in log else None

    worker_log = wait_until(
        mailed, timeout=30, what="the worker to send the privacy staff the report's e-mail"
    )
    assert f"/admin/reviews/detectionreport/photo/{photo_id}/" in worker_log
