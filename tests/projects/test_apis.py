"""The camera upload API and the photo endpoints, status code by status code."""

import io

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from PIL import Image

from projects.models import Camera, Photo
from projects.services import camera_token_rotate, photo_ingest
from tests.factories import CameraFactory, ProjectFactory
from tests.images import image_bytes, png_bomb_bytes
from tests.storage import stored_originals

pytestmark = pytest.mark.django_db

UPLOAD = "/api/v1/photos/"


@pytest.fixture
def token(actors) -> str:
    return camera_token_rotate(camera=actors.camera)


def camera_post(token, content, name="photo.jpg", client=None, **data):
    client = client or Client()
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(
        UPLOAD, {"image": upload, **data}, headers={"authorization": f"Camera {token}"}
    )


def error_code(response) -> str:
    return response.json()["error"]["code"]


class TestUpload:
    def test_a_camera_uploads_a_photo_and_gets_its_id_and_status(self, actors, token):
        response = camera_post(token, image_bytes(size=(80, 60)))

        assert response.status_code == 201
        body = response.json()
        photo = Photo.objects.get()
        assert body["id"] == str(photo.pk)
        assert body["status"] == "pending"
        assert body["camera"] == actors.camera.pk
        assert body["taken_at"]
        assert (body["width"], body["height"]) == (80, 60)
        assert photo.original.name in stored_originals()

    def test_the_upload_is_queued_for_anonymization_after_commit(
        self, token, monkeypatch, django_capture_on_commit_callbacks
    ):
        from anonymizer.tasks import anonymize_photo

        sent = []
        monkeypatch.setattr(anonymize_photo, "apply_async", lambda args, **kw: sent.append(args))
        with django_capture_on_commit_callbacks(execute=True):
            response = camera_post(token, image_bytes())

        assert sent == [(response.json()["id"],)]

    def test_the_same_bytes_again_answer_200_with_the_same_photo(self, token):
        content = image_bytes()
        first = camera_post(token, content)

        again = camera_post(token, content)

        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert Photo.objects.count() == 1
        assert len(stored_originals()) == 1

    def test_taken_at_with_an_offset_is_kept(self, token):
        response = camera_post(token, image_bytes(), taken_at="2026-05-04T07:30:00+02:00")

        assert response.status_code == 201
        assert response.json()["taken_at"] == "2026-05-04T05:30:00Z"

    def test_taken_at_defaults_to_the_exif_time_in_the_cameras_zone(self, actors, token):
        Camera.objects.filter(pk=actors.camera.pk).update(timezone="Europe/Paris")

        response = camera_post(token, image_bytes(exif_datetime="2026:01:15 09:00:00"))

        assert response.json()["taken_at"] == "2026-01-15T08:00:00Z"

    @pytest.mark.parametrize("taken_at", ["2026-05-04T07:30:00", "yesterday", "2026-13-45T00:00Z"])
    def test_a_taken_at_without_offset_or_invalid_is_400(self, token, taken_at):
        response = camera_post(token, image_bytes(), taken_at=taken_at)

        assert response.status_code == 400
        assert error_code(response) == "invalid_taken_at"
        assert Photo.objects.count() == 0

    @pytest.mark.parametrize(
        ("content", "name", "status", "code"),
        [
            (b"", "empty.jpg", 400, "empty_image"),
            (image_bytes("JPEG", (300, 200))[:900], "truncated.jpg", 400, "corrupt_image"),
            (image_bytes("PNG"), "renamed.jpg", 400, "type_mismatch"),
            (b"Hello, I am a text file.\n", "notes.txt", 400, "unsupported_image"),
            (b"Hello, I am a text file.\n", "disguised.jpg", 400, "unsupported_image"),
            (png_bomb_bytes(), "bomb.png", 422, "too_many_pixels"),
        ],
    )
    def test_a_bad_file_is_refused_with_its_code_and_nothing_is_stored(
        self, token, content, name, status, code
    ):
        response = camera_post(token, content, name=name)

        assert response.status_code == status
        assert error_code(response) == code
        assert response.json()["error"]["message"]
        assert Photo.objects.count() == 0
        assert stored_originals() == set()

    def test_a_file_over_the_byte_limit_is_413(self, token, settings):
        settings.UPLOAD_MAX_BYTES = 4096
        noisy = io.BytesIO()
        Image.effect_noise((200, 200), 80).convert("RGB").save(noisy, "JPEG", quality=95)

        response = camera_post(token, noisy.getvalue())

        assert response.status_code == 413
        assert error_code(response) == "file_too_large"
        assert Photo.objects.count() == 0 and stored_originals() == set()

    def test_a_request_announcing_a_huge_body_is_413_before_it_is_read(self, token, settings):
        settings.UPLOAD_MAX_BYTES = 4096
        response = Client().generic(
            "POST",
            UPLOAD,
            b"x" * 10,
            content_type="multipart/form-data; boundary=x",
            headers={"authorization": f"Camera {token}"},
            CONTENT_LENGTH=str(10**9),
        )

        assert response.status_code == 413

    def test_no_image_field_is_400(self, token):
        response = Client().post(
            UPLOAD, {"photo": "nothing"}, headers={"authorization": f"Camera {token}"}
        )

        assert response.status_code == 400
        assert error_code(response) == "missing_image"

    def test_a_json_body_is_415(self, token):
        response = Client().post(
            UPLOAD,
            {"image": "x"},
            content_type="application/json",
            headers={"authorization": f"Camera {token}"},
        )

        assert response.status_code == 415
        assert error_code(response) == "unsupported_media_type"

    @pytest.mark.parametrize(
        "header", [None, "Camera not-a-token", "Camera", "Camera a b", "Bearer something"]
    )
    def test_no_or_a_bad_token_is_401(self, token, header):
        headers = {"authorization": header} if header else {}
        upload = io.BytesIO(image_bytes())
        upload.name = "p.jpg"

        response = Client().post(UPLOAD, {"image": upload}, headers=headers)

        assert response.status_code == 401
        assert error_code(response) in ("not_authenticated", "invalid_token")
        assert response.headers["WWW-Authenticate"] == "Camera"
        assert Photo.objects.count() == 0

    def test_an_inactive_camera_is_401(self, actors, token):
        Camera.objects.filter(pk=actors.camera.pk).update(is_active=False)

        response = camera_post(token, image_bytes())

        assert response.status_code == 401
        assert Photo.objects.count() == 0

    def test_a_rotated_token_stops_working(self, actors, token):
        camera_token_rotate(camera=actors.camera)

        assert camera_post(token, image_bytes()).status_code == 401

    def test_a_signed_in_member_cannot_use_the_camera_endpoint(self, actors):
        upload = io.BytesIO(image_bytes())
        upload.name = "p.jpg"

        response = actors.client(actors.owner).post(UPLOAD, {"image": upload})

        assert response.status_code == 403
        assert Photo.objects.count() == 0

    def test_too_many_uploads_are_429_with_retry_after(self, token, settings):
        settings.CAMERA_UPLOAD_RATE = "2/min"
        statuses = [
            camera_post(token, image_bytes(color=(i * 40, 10, 10))).status_code for i in range(3)
        ]

        response = camera_post(token, image_bytes(color=(250, 250, 250)))

        assert statuses == [201, 201, 429]
        assert response.status_code == 429
        assert error_code(response) == "rate_limited"
        assert 0 < int(response.headers["Retry-After"]) <= 60
        assert Photo.objects.count() == 2

    def test_the_rate_limit_is_per_camera(self, actors, token, settings):
        settings.CAMERA_UPLOAD_RATE = "1/min"
        other = CameraFactory(project=actors.public_project)
        other_token = camera_token_rotate(camera=other)
        camera_post(token, image_bytes())

        assert camera_post(other_token, image_bytes()).status_code == 201

    def test_storage_down_is_503_with_retry_after_and_nothing_kept(self, token, monkeypatch):
        from devisubox.storages import PrivateFileSystemStorage

        def unreachable(*args, **kwargs):
            raise ConnectionError("S3 unreachable")

        monkeypatch.setattr(PrivateFileSystemStorage, "_save", unreachable)

        response = camera_post(token, image_bytes())

        assert response.status_code == 503
        assert error_code(response) == "service_unavailable"
        assert response.headers["Retry-After"] == "30"
        assert Photo.objects.count() == 0


@pytest.fixture
def photo(actors):
    photo, _ = photo_ingest(camera=actors.camera, content=image_bytes())
    return photo


class TestDetail:
    def test_the_uploading_camera_sees_its_photos_status(self, token, photo):
        response = Client().get(
            f"{UPLOAD}{photo.pk}/", headers={"authorization": f"Camera {token}"}
        )

        assert response.status_code == 200
        assert response.json()["status"] == "pending"
        assert response.json()["processing"] is True

    def test_another_camera_gets_404(self, actors, photo):
        other_token = camera_token_rotate(camera=CameraFactory(project=actors.public_project))

        response = Client().get(
            f"{UPLOAD}{photo.pk}/", headers={"authorization": f"Camera {other_token}"}
        )

        assert response.status_code == 404
        assert error_code(response) == "not_found"

    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("owner", 200),
            ("project_admin", 200),
            ("viewer", 200),
            ("staff", 200),
            ("outsider", 404),
            ("anonymous", 401),
        ],
    )
    def test_members_see_it_and_nobody_else(self, actors, photo, who, status):
        response = actors.client(getattr(actors, who)).get(f"{UPLOAD}{photo.pk}/")

        assert response.status_code == status

    def test_a_failed_photo_shows_its_error(self, actors, photo):
        Photo.objects.filter(pk=photo.pk).update(status="failed", error="engine crashed")

        body = actors.client(actors.viewer).get(f"{UPLOAD}{photo.pk}/").json()

        assert body["status"] == "failed"
        assert body["error"] == "engine crashed"

    def test_an_unknown_id_is_404(self, actors):
        response = actors.client(actors.owner).get(f"{UPLOAD}7d9f3c0e-0000-4000-8000-000000000000/")

        assert response.status_code == 404


class TestReprocess:
    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("owner", 202),
            ("project_admin", 202),
            ("staff", 202),
            ("viewer", 403),
            ("outsider", 404),
            ("anonymous", 401),
        ],
    )
    def test_project_admins_and_staff_may_reprocess(self, actors, photo, who, status):
        Photo.objects.filter(pk=photo.pk).update(status="failed", work_requested_at=None)

        response = actors.client(getattr(actors, who)).post(f"{UPLOAD}{photo.pk}/reprocess/")

        assert response.status_code == status
        photo.refresh_from_db()
        assert (photo.status == "pending") == (status == 202)

    def test_a_camera_cannot_reprocess(self, token, photo):
        response = Client().post(
            f"{UPLOAD}{photo.pk}/reprocess/", headers={"authorization": f"Camera {token}"}
        )

        assert response.status_code == 403

    def test_a_photo_with_nothing_left_to_work_from_is_409(self, actors, photo):
        photo.original.delete(save=False)
        Photo.objects.filter(pk=photo.pk).update(original=None, status="failed")

        response = actors.client(actors.owner).post(f"{UPLOAD}{photo.pk}/reprocess/")

        assert response.status_code == 409
        assert error_code(response) == "nothing_to_process"

    def test_reprocess_needs_the_csrf_token_with_a_session(self, actors, photo):
        client = Client(enforce_csrf_checks=True)
        client.force_login(actors.owner)

        response = client.post(f"{UPLOAD}{photo.pk}/reprocess/")

        assert response.status_code == 403


class TestList:
    def test_a_member_lists_the_customers_photos_newest_first(self, actors):
        other_camera = CameraFactory(project=actors.private_project)
        photos = [
            photo_ingest(camera=camera, content=image_bytes(color=(i * 30, 0, 0)))[0]
            for i, camera in enumerate([actors.camera, other_camera, actors.camera])
        ]
        photo_ingest(camera=CameraFactory(project=actors.outsider_project), content=image_bytes())

        body = actors.client(actors.viewer).get(UPLOAD).json()

        assert [p["id"] for p in body["results"]] == [str(p.pk) for p in reversed(photos)]

    def test_a_camera_lists_only_its_own_photos(self, actors, token, photo):
        photo_ingest(camera=CameraFactory(project=actors.public_project), content=image_bytes())

        body = Client().get(UPLOAD, headers={"authorization": f"Camera {token}"}).json()

        assert [p["id"] for p in body["results"]] == [str(photo.pk)]

    def test_filters_by_camera_and_status(self, actors, photo):
        client = actors.client(actors.owner)

        assert client.get(UPLOAD, {"status": "pending"}).json()["results"]
        assert not client.get(UPLOAD, {"status": "anonymized"}).json()["results"]
        assert client.get(UPLOAD, {"status": "bogus"}).status_code == 400
        assert client.get(UPLOAD, {"camera": "x"}).status_code == 400
        assert not client.get(UPLOAD, {"camera": 999999}).json()["results"]

    def test_the_query_count_does_not_grow_with_the_page(
        self, actors, django_assert_max_num_queries
    ):
        for i in range(30):
            photo_ingest(camera=actors.camera, content=image_bytes(color=(i * 8, 0, 0)))
        client = actors.client(actors.owner)

        # Session + user, then the page itself: one query for any number of photos.
        with django_assert_max_num_queries(3):
            response = client.get(UPLOAD, {"page_size": 30})

        assert len(response.json()["results"]) == 30

    def test_paging_follows_the_cursor(self, actors):
        for i in range(5):
            photo_ingest(camera=actors.camera, content=image_bytes(color=(i * 40, 0, 0)))
        client = actors.client(actors.owner)

        first = client.get(UPLOAD, {"page_size": 3}).json()
        second = client.get(first["next"]).json()

        ids = [p["id"] for p in first["results"] + second["results"]]
        assert len(ids) == len(set(ids)) == 5

    def test_anonymous_visitors_get_401(self):
        assert Client().get(UPLOAD).status_code == 401


class TestWebUpload:
    def url(self, camera):
        return reverse("api_camera_photos", args=[camera.pk])

    def post(self, client, camera, content, name="p.jpg"):
        upload = io.BytesIO(content)
        upload.name = name
        return client.post(self.url(camera), {"image": upload})

    @pytest.mark.parametrize("who", ["owner", "project_admin"])
    def test_project_admins_upload_through_the_same_ingestion(self, actors, who):
        client = actors.client(getattr(actors, who))

        first = self.post(client, actors.camera, image_bytes())
        again = self.post(client, actors.camera, image_bytes())
        bad = self.post(client, actors.camera, b"text", name="x.jpg")

        assert (first.status_code, again.status_code, bad.status_code) == (201, 200, 400)
        assert Photo.objects.get().camera == actors.camera

    @pytest.mark.parametrize(("who", "status"), [("viewer", 404), ("outsider", 404)])
    def test_others_cannot(self, actors, who, status):
        response = self.post(actors.client(getattr(actors, who)), actors.camera, image_bytes())

        assert response.status_code == status
        assert Photo.objects.count() == 0

    def test_the_session_upload_needs_the_csrf_token(self, actors):
        client = Client(enforce_csrf_checks=True)
        client.force_login(actors.owner)

        assert self.post(client, actors.camera, image_bytes()).status_code == 403

    def test_the_upload_page_lists_the_camera_and_its_latest_photos(self, actors, photo):
        response = actors.client(actors.project_admin).get(
            reverse("camera_upload", args=[actors.camera.pk])
        )

        assert response.status_code == 200
        assert self.url(actors.camera) in response.text
        assert 'type="file"' in response.text and "multiple" in response.text
        assert "Pending" in response.text

    @pytest.mark.parametrize("who", ["viewer", "outsider"])
    def test_the_upload_page_is_404_for_others(self, actors, who):
        response = actors.client(getattr(actors, who)).get(
            reverse("camera_upload", args=[actors.camera.pk])
        )

        assert response.status_code == 404

    def test_the_home_page_links_admins_to_the_upload_page(self, actors):
        url = reverse("camera_upload", args=[actors.camera.pk])

        assert url in actors.client(actors.project_admin).get("/").text
        assert url not in actors.client(actors.viewer).get("/").text


class TestSchema:
    def test_the_openapi_schema_documents_the_photo_endpoints(self):
        response = Client().get("/api/schema/")

        assert response.status_code == 200
        schema = yaml.safe_load(response.content)
        assert schema["openapi"].startswith("3.")
        upload = schema["paths"]["/api/v1/photos/"]["post"]
        assert {"201", "200", "400", "401", "413", "422", "429"} <= set(upload["responses"])
        assert "multipart/form-data" in upload["requestBody"]["content"]
        assert "/api/v1/photos/{photo_id}/reprocess/" in schema["paths"]
        assert schema["components"]["securitySchemes"]["cameraToken"]["name"] == "Authorization"

    def test_the_browsable_docs_page_is_served_without_a_cdn(self):
        response = Client().get("/api/docs/")

        assert response.status_code == 200
        assert "swagger-ui" in response.text
        assert "cdn.jsdelivr" not in response.text and "unpkg.com" not in response.text


def test_an_unrelated_project_cannot_be_reached_by_a_camera_token(actors, token):
    outsider_photo, _ = photo_ingest(
        camera=CameraFactory(project=ProjectFactory()), content=image_bytes()
    )

    response = Client().get(
        f"{UPLOAD}{outsider_photo.pk}/", headers={"authorization": f"Camera {token}"}
    )

    assert response.status_code == 404


def test_a_camera_token_on_the_other_endpoints_gets_what_a_visitor_gets(actors, token):
    headers = {"authorization": f"Camera {token}"}
    client = Client()

    frames = client.get(reverse("api_frames", args=[actors.camera.pk]), headers=headers)
    private = client.get(
        reverse("api_frames", args=[CameraFactory(project=actors.private_project).pk]),
        headers=headers,
    )
    report = client.post(
        f"{UPLOAD}7d9f3c0e-0000-4000-8000-000000000000/reports/",
        {},
        headers=headers,
        content_type="application/json",
    )

    assert (frames.status_code, private.status_code, report.status_code) == (200, 404, 404)
