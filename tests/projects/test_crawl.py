"""An anonymous visitor follows every link and image of a seeded site.

No response may be the bytes of an original, and no image served may carry
EXIF, GPS or XMP, although the originals do.
"""

import hashlib
import io
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from PIL import Image

from anonymizer import services as anonymizer_services
from anonymizer.engine.pipeline import Engine
from projects.models import Camera, Photo, Project
from projects.services import photo_ingest
from reviews.services import detection_report_submit

pytestmark = pytest.mark.django_db

_GPS_IFD = 0x8825
SKIP_PREFIXES = ("/admin/", "/accounts/logout")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if attrs.get(name):
                self.urls.append(attrs[name])


def photo_with_gps() -> bytes:
    """A JPEG whose EXIF says where and when it was taken (like a real camera's)."""
    image = Image.new("RGB", (640, 480), (120, 140, 90))
    exif = Image.Exif()
    exif[0x010F] = "Acme Cameras"  # make
    exif.get_ifd(0x8769)[0x9003] = "2026:05:04 09:30:00"
    gps = exif.get_ifd(_GPS_IFD)
    gps[1], gps[2] = "N", (48.0, 51.0, 24.0)
    gps[3], gps[4] = "E", (2.0, 21.0, 3.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


class _ZonesOnly:
    """The real pipeline without the (slow) detectors: decode, zones, redact, encode."""

    def __init__(self):
        self.engine = Engine()

    def anonymize(self, data, **kwargs):
        return self.engine.anonymize(data, **{**kwargs, "detect": False})


@pytest.fixture
def seeded_site(monkeypatch, django_capture_on_commit_callbacks):
    call_command("seed_demo", stdout=io.StringIO())
    # Public projects keep originals too (security), so there is something to leak.
    Project.objects.update(originals_enabled=True, originals_purpose="Site security")
    public_camera = Camera.objects.filter(project__is_public=True).first()
    gps_photo, _ = photo_ingest(camera=public_camera, content=photo_with_gps(), filename="g.jpg")
    monkeypatch.setattr(anonymizer_services, "engine_get", _ZonesOnly)
    with django_capture_on_commit_callbacks(execute=True):
        for photo_id in Photo.objects.values_list("pk", flat=True):
            anonymizer_services.photo_anonymize(photo_id=photo_id)
    # A visitor reported someone visible on one public photo: it must be out of reach.
    reported = Photo.objects.filter(camera=public_camera).exclude(pk=gps_photo.pk).first()
    with django_capture_on_commit_callbacks(execute=True):
        detection_report_submit(
            photo=reported,
            kind="face_visible",
            region_xy_norm=[[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]],
            reporter_email="walker@example.org",
        )
    return gps_photo


def crawl(client, start="/", limit=2000):
    """Every same-site URL reachable from ``start`` by links and images: {url: response}."""
    seen, queue = {}, deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP_PREFIXES):
            continue
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seen[url] = (response, body)
        targets = []
        if response.status_code in (301, 302) and response["Location"].startswith("/"):
            targets.append(response["Location"])
        if response.get("Content-Type", "").startswith("text/html"):
            parser = _Links()
            parser.feed(body.decode())
            targets += parser.urls
        for target in targets:
            absolute = urljoin(url, target)
            parts = urlsplit(absolute)
            if parts.netloc in ("", "testserver") and parts.scheme in ("", "http"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_no_public_response_is_an_original_or_carries_metadata(seeded_site):
    original_hashes = set(Photo.objects.values_list("sha256", flat=True))
    assert Image.open(io.BytesIO(photo_with_gps())).getexif().get_ifd(_GPS_IFD)  # the trap is set
    kept = Photo.objects.exclude(original=None).exclude(original="")
    assert kept.filter(camera__project__is_public=True).exists()  # there is something to leak

    pages = crawl(Client())

    images = {
        url: body
        for url, (response, body) in pages.items()
        if response.get("Content-Type", "").startswith("image/")
    }
    public_photos = Photo.objects.filter(camera__project__is_public=True)
    assert len(images) >= public_photos.count()  # every public photo's thumbnail, at least
    assert any(str(seeded_site.pk) in url for url in images)  # the GPS photo was reached
    for url, (response, body) in pages.items():
        assert hashlib.sha256(body).hexdigest() not in original_hashes, url
        assert "/original/" not in url or response.status_code in (302, 403, 404), url
    for url, body in images.items():
        image = Image.open(io.BytesIO(body))
        assert not image.getexif(), url
        assert not {"exif", "xmp", "XML:com.adobe.xmp"} & set(image.info), url
    hidden = Photo.objects.filter(
        Q(camera__project__is_public=False) | Q(status=Photo.Status.QUARANTINED)
    )
    assert hidden.filter(status=Photo.Status.QUARANTINED).count() == 1
    assert not any(str(photo.pk) in url for photo in hidden for url in pages)
