"""The JSON API (DRF): camera uploads, photo status, reprocessing.

Cameras authenticate with ``Authorization: Camera <token>``; people with
their session (and CSRF). Every error is ``{"error": {"code", "message"}}``.
Views are thin: a selector decides what the request may see, a service writes.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from anonymizer.services import TRANSIENT_ERRORS
from projects import selectors
from projects.models import BlurZone, Camera, Photo, TimelapseExport
from projects.services import (
    PhotoNotProcessable,
    PhotoRejected,
    blur_zone_change_impact,
    blur_zone_create,
    blur_zone_delete,
    blur_zone_update,
    photo_ingest,
    photo_reprocess,
    timelapse_export_request,
)

logger = logging.getLogger(__name__)

# --- Errors --------------------------------------------------------------------


class ApiError(exceptions.APIException):
    """An error with our own machine-readable ``code`` and HTTP status."""

    def __init__(self, status_code: int, code: str, message: str, headers=None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.headers = headers or {}


_REJECTION_STATUS = {
    "inactive_camera": status.HTTP_401_UNAUTHORIZED,
    "file_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "too_many_pixels": status.HTTP_422_UNPROCESSABLE_ENTITY,
}

_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.Throttled: "rate_limited",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "invalid_request",
}


def _message(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_message(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_message(item) for item in detail)
    return str(detail)


def error_response(exc, context):
    """DRF's exception handler, answering ``{"error": {"code", "message"}}`` for everything.

    Storage and database outages become 503 with ``Retry-After``: the client
    (a camera) keeps its photo and sends it again.
    """
    if isinstance(exc, TRANSIENT_ERRORS):
        logger.exception("service unavailable while answering %s", context["request"].path)
        exc = ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "service_unavailable",
            "Storage or database is briefly unavailable; nothing was kept. Try again.",
            headers={"Retry-After": "30"},
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        code = exc.error_code
        for name, value in exc.headers.items():
            response[name] = value
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, Http404):
        code = "not_found"
    message = _message(getattr(exc, "detail", "Not found."))
    if isinstance(exc, exceptions.Throttled):
        message = f"Too many uploads from this camera; try again in {exc.wait:.0f} s."
    response.data = {"error": {"code": code, "message": message}}
    return response


# --- Permissions and throttling ----------------------------------------


class IsCamera(BasePermission):
    message = "Only a camera can do this; send 'Authorization: Camera <token>'."

    def has_permission(self, request, view):
        return isinstance(request.auth, Camera)


class IsPerson(BasePermission):
    message = "Sign in as a member to do this."

    def has_permission(self, request, view):
        return request.user.is_authenticated and not isinstance(request.auth, Camera)


class CameraUploadThrottle(SimpleRateThrottle):
    """``CAMERA_UPLOAD_RATE`` uploads per camera (per person on the web upload)."""

    scope = "camera_upload"

    def get_rate(self):
        # Read at request time, so a changed setting applies without a restart of DRF.
        return settings.CAMERA_UPLOAD_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, Camera):
            ident = f"camera-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _camera_of(request) -> Camera | None:
    return request.auth if isinstance(request.auth, Camera) else None


# --- Serializers -----------------------------------------------------------------


class PhotoOutputSerializer(serializers.ModelSerializer):
    camera = serializers.IntegerField(source="camera_id", read_only=True)
    bytes = serializers.IntegerField(source="original_bytes", read_only=True)
    processing = serializers.BooleanField(source="is_being_processed", read_only=True)
    error = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = [
            "id",
            "camera",
            "status",
            "processing",
            "taken_at",
            "received_at",
            "anonymized_at",
            "width",
            "height",
            "bytes",
            "error",
        ]

    def get_error(self, photo) -> str:
        """The last error, once the photo failed (empty otherwise)."""
        return photo.error if photo.status == Photo.Status.FAILED else ""


class PhotoUploadInputSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text="The photo: JPEG, PNG or WebP, at most UPLOAD_MAX_BYTES bytes."
    )
    taken_at = serializers.CharField(
        required=False,
        help_text="Capture time, ISO 8601 with an offset (2026-05-04T07:30:00+02:00). "
        "Default: the EXIF capture time in the camera's time zone, else the receipt time.",
    )


_ERROR_SCHEMA = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody", {"code": serializers.CharField(), "message": serializers.CharField()}
        )
    },
)


def error_responses(*codes: int) -> dict:
    return {code: OpenApiResponse(_ERROR_SCHEMA) for code in codes}


# --- Views ---------------------------------------------------------------------------


def _ingest(request, camera: Camera) -> Response:
    """Read the multipart upload and hand it to ``photo_ingest``; map its refusals."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > settings.UPLOAD_MAX_BYTES + 64 * 1024:
        raise ApiError(
            413,
            "file_too_large",
            f"The request has {int(length):,} bytes; the limit is {settings.UPLOAD_MAX_BYTES:,}.",
        )
    upload = request.data.get("image")
    if upload is None or isinstance(upload, str):
        raise ApiError(400, "missing_image", "Send the photo in the multipart field 'image'.")
    taken_at = None
    raw_taken_at = request.data.get("taken_at")
    if raw_taken_at:
        try:
            taken_at = parse_datetime(str(raw_taken_at))
        except ValueError:
            taken_at = None
        if taken_at is None or taken_at.tzinfo is None:
            raise ApiError(
                400,
                "invalid_taken_at",
                "taken_at must be ISO 8601 with an offset, e.g. 2026-05-04T07:30:00+02:00.",
            )
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ApiError(
            413,
            "file_too_large",
            f"The file has {upload.size:,} bytes; the limit is {settings.UPLOAD_MAX_BYTES:,}.",
        )
    try:
        photo, created = photo_ingest(
            camera=camera,
            content=upload.read(),
            filename=upload.name or "",
            taken_at=taken_at,
        )
    except PhotoRejected as exc:
        raise ApiError(_REJECTION_STATUS.get(exc.code, 400), exc.code, exc.message) from None
    return Response(
        PhotoOutputSerializer(photo).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


class PhotoCursorPagination(CursorPagination):
    ordering = ("-taken_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class PhotoListCreateApi(APIView):
    """``GET``: photos the caller may see, newest first. ``POST``: a camera uploads a photo."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated]

    def get_throttles(self):
        return [CameraUploadThrottle()] if self.request.method == "POST" else []

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsCamera()]
        return super().get_permissions()

    @extend_schema(
        operation_id="photos_upload",
        summary="Upload a photo (cameras)",
        request={"multipart/form-data": PhotoUploadInputSerializer},
        responses={
            201: PhotoOutputSerializer,
            200: OpenApiResponse(PhotoOutputSerializer, "The same bytes were uploaded before."),
            **error_responses(400, 401, 413, 422, 429, 503),
        },
        examples=[
            OpenApiExample(
                "Rejected",
                value={"error": {"code": "corrupt_image", "message": "The image data is ..."}},
                response_only=True,
                status_codes=["400"],
            )
        ],
    )
    def post(self, request):
        return _ingest(request, request.auth)

    @extend_schema(
        operation_id="photos_list",
        summary="List photos",
        parameters=[
            OpenApiParameter("camera", OpenApiTypes.INT, description="Only this camera's."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Photo.Status.values),
        ],
        responses={200: PhotoOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        photos = selectors.photos_visible_to(request.user, camera=_camera_of(request))
        camera_id = request.query_params.get("camera")
        if camera_id:
            if not camera_id.isdigit():
                raise ApiError(400, "invalid_request", "camera must be a camera id.")
            photos = photos.filter(camera_id=int(camera_id))
        wanted_status = request.query_params.get("status")
        if wanted_status:
            if wanted_status not in Photo.Status.values:
                raise ApiError(400, "invalid_request", f"Unknown status {wanted_status!r}.")
            photos = photos.filter(status=wanted_status)
        paginator = PhotoCursorPagination()
        page = paginator.paginate_queryset(photos, request, view=self)
        return paginator.get_paginated_response(PhotoOutputSerializer(page, many=True).data)


class CameraPhotoUploadApi(APIView):
    """``POST``: a project admin uploads a photo for one of their cameras (web upload)."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsPerson]
    throttle_classes = [CameraUploadThrottle]

    @extend_schema(
        operation_id="camera_photos_upload",
        summary="Upload a photo for a camera (project admins, web upload)",
        request={"multipart/form-data": PhotoUploadInputSerializer},
        responses={
            201: PhotoOutputSerializer,
            200: OpenApiResponse(PhotoOutputSerializer, "The same bytes were uploaded before."),
            **error_responses(400, 401, 403, 404, 413, 422, 429, 503),
        },
    )
    def post(self, request, camera_id: int):
        camera = get_object_or_404(selectors.cameras_administered_by(request.user), pk=camera_id)
        return _ingest(request, camera)


class PhotoDetailApi(APIView):
    """``GET``: one photo's status, timestamps, sizes and error (if it failed)."""

    @extend_schema(
        operation_id="photos_detail",
        summary="A photo's processing status",
        responses={200: PhotoOutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request, photo_id):
        photos = selectors.photos_visible_to(request.user, camera=_camera_of(request))
        return Response(PhotoOutputSerializer(get_object_or_404(photos, pk=photo_id)).data)


class PhotoReprocessApi(APIView):
    """``POST``: anonymize a photo again (project admins and staff)."""

    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="photos_reprocess",
        summary="Anonymize a photo again",
        request=None,
        responses={202: PhotoOutputSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, photo_id):
        photo = get_object_or_404(selectors.photos_visible_to(request.user), pk=photo_id)
        if not selectors.photos_administered_by(request.user).filter(pk=photo.pk).exists():
            raise ApiError(403, "permission_denied", "Only project admins and staff can do this.")
        try:
            photo = photo_reprocess(photo=photo)
        except PhotoNotProcessable as exc:
            raise ApiError(409, "nothing_to_process", str(exc)) from None
        return Response(PhotoOutputSerializer(photo).data, status=status.HTTP_202_ACCEPTED)


# --- Blur zones (the zone editor) ------------------------------------------------------


class BlurZoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(max_length=120, required=False, allow_blank=True)
    polygon_xy_norm = serializers.JSONField(
        help_text="[[x, y], ...], 3 to 200 points, 0..1 of the frame's width and height."
    )
    is_active = serializers.BooleanField(required=False)
    created_at = serializers.DateTimeField(read_only=True)


def _impact(camera) -> dict:
    impact = blur_zone_change_impact(camera=camera)
    return {"from_original": impact.from_original, "on_top": impact.on_top}


def _zone_errors(exc: DjangoValidationError):
    raise ApiError(400, "invalid_zone", "; ".join(exc.messages)) from None


class CameraZonesApi(APIView):
    """``GET``: a camera's blur zones and what a change would redo. ``POST``: add one."""

    permission_classes = [IsPerson]

    def _camera(self, request, camera_id):
        return get_object_or_404(selectors.cameras_administered_by(request.user), pk=camera_id)

    @extend_schema(
        operation_id="camera_zones_list",
        summary="A camera's blur zones (project admins)",
        responses={
            200: inline_serializer(
                "ZoneList",
                {
                    "zones": BlurZoneSerializer(many=True),
                    "impact": inline_serializer(
                        "ZoneImpact",
                        {
                            "from_original": serializers.IntegerField(),
                            "on_top": serializers.IntegerField(),
                        },
                    ),
                },
            ),
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request, camera_id: int):
        camera = self._camera(request, camera_id)
        zones = camera.blur_zones.order_by("created_at")
        return Response(
            {"zones": BlurZoneSerializer(zones, many=True).data, "impact": _impact(camera)}
        )

    @extend_schema(
        operation_id="camera_zones_create",
        summary="Add a blur zone; the camera's photos are anonymized again",
        request=BlurZoneSerializer,
        responses={201: BlurZoneSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, camera_id: int):
        camera = self._camera(request, camera_id)
        data = BlurZoneSerializer(data=request.data)
        if not data.is_valid():
            raise ApiError(400, "invalid_zone", _message(data.errors))
        try:
            zone = blur_zone_create(
                camera=camera,
                polygon_xy_norm=data.validated_data["polygon_xy_norm"],
                label=data.validated_data.get("label", ""),
                created_by=request.user,
            )
        except DjangoValidationError as exc:
            _zone_errors(exc)
        body = {**BlurZoneSerializer(zone).data, "impact": _impact(camera)}
        return Response(body, status=status.HTTP_201_CREATED)


class ZoneDetailApi(APIView):
    """``PATCH``: reshape, rename, switch a zone on or off. ``DELETE``: remove it."""

    permission_classes = [IsPerson]

    def _zone(self, request, zone_id):
        cameras = selectors.cameras_administered_by(request.user)
        return get_object_or_404(BlurZone.objects.filter(camera__in=cameras), pk=zone_id)

    @extend_schema(
        operation_id="zones_update",
        summary="Change a blur zone; the affected photos are anonymized again",
        request=BlurZoneSerializer,
        responses={200: BlurZoneSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, zone_id: int):
        zone = self._zone(request, zone_id)
        data = BlurZoneSerializer(data=request.data, partial=True)
        if not data.is_valid():
            raise ApiError(400, "invalid_zone", _message(data.errors))
        try:
            zone = blur_zone_update(zone=zone, **data.validated_data)
        except DjangoValidationError as exc:
            _zone_errors(exc)
        return Response({**BlurZoneSerializer(zone).data, "impact": _impact(zone.camera)})

    @extend_schema(
        operation_id="zones_delete",
        summary="Remove a blur zone (it stays on photos whose original is gone)",
        request=None,
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request, zone_id: int):
        blur_zone_delete(zone=self._zone(request, zone_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Timelapse --------------------------------------------------------------------------

MAX_PLAYER_FRAMES = 5000


def _date_param(request, name: str, default):
    source = request.data if request.method == "POST" else request.query_params
    raw = source.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ApiError(400, "invalid_request", f"{name} must be a date, YYYY-MM-DD.") from None


def _hour_param(request, name: str, default: int) -> int:
    source = request.data if request.method == "POST" else request.query_params
    raw = source.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ApiError(400, "invalid_request", f"{name} must be an hour, 0 to 24.") from None
    if not 0 <= value <= 24:
        raise ApiError(400, "invalid_request", f"{name} must be an hour, 0 to 24.")
    return value


def _window(request, camera) -> dict:
    today = timezone.localdate(timezone=selectors.camera_zone(camera))
    date_to = _date_param(request, "to", today)
    window = {
        "date_from": _date_param(request, "from", date_to - timedelta(days=6)),
        "date_to": date_to,
        "hour_from": _hour_param(request, "hour_from", 0),
        "hour_to": _hour_param(request, "hour_to", 24),
    }
    if window["date_to"] < window["date_from"] or window["hour_from"] >= window["hour_to"]:
        raise ApiError(400, "invalid_request", "The range is empty: check the dates and hours.")
    return window


def _visible_camera(request, camera_id) -> Camera:
    projects = selectors.projects_visible_to(request.user)
    return get_object_or_404(Camera.objects.filter(project__in=projects), pk=camera_id)


class CameraFramesApi(APIView):
    """``GET``: the frames of a timelapse (anonymized display images), oldest first."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="camera_frames",
        summary="Timelapse frames of a camera",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
            OpenApiParameter("hour_from", OpenApiTypes.INT, description="0..24, local time"),
            OpenApiParameter("hour_to", OpenApiTypes.INT, description="0..24, local, excluded"),
        ],
        responses={
            200: inline_serializer(
                "Frames",
                {
                    "frames": inline_serializer(
                        "Frame",
                        {
                            "id": serializers.UUIDField(),
                            "taken_at": serializers.DateTimeField(),
                            "url": serializers.CharField(),
                        },
                        many=True,
                    ),
                    "truncated": serializers.BooleanField(),
                },
            ),
            **error_responses(400, 404),
        },
    )
    def get(self, request, camera_id: int):
        camera = _visible_camera(request, camera_id)
        frames = selectors.timelapse_frames(request.user, camera, **_window(request, camera))
        frames = list(frames.values_list("pk", "taken_at")[:MAX_PLAYER_FRAMES])
        return Response(
            {
                "frames": [
                    {
                        "id": str(pk),
                        "taken_at": taken_at,
                        "url": reverse("photo_image", args=[pk, "display"]),
                    }
                    for pk, taken_at in frames
                ],
                "truncated": len(frames) == MAX_PLAYER_FRAMES,
            }
        )


class ExportOutputSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = TimelapseExport
        fields = [
            "id",
            "status",
            "progress",
            "date_from",
            "date_to",
            "hour_from",
            "hour_to",
            "fps",
            "error",
            "download",
        ]

    def get_download(self, export) -> str:
        """Where the MP4 is, once ready."""
        if export.status != TimelapseExport.Status.DONE or not export.file:
            return ""
        return reverse("timelapse_export_download", args=[export.pk])


class CameraExportsApi(APIView):
    """``POST``: members ask for an MP4 of a camera's timelapse (made by a worker)."""

    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="camera_exports_create",
        summary="Export a timelapse as MP4 (members)",
        request=None,
        responses={202: ExportOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, camera_id: int):
        camera = _visible_camera(request, camera_id)
        if not (
            request.user.is_staff
            or selectors.membership_in(request.user, camera.project.customer_id)
        ):
            raise ApiError(
                403, "permission_denied", "Only the project's members can export videos."
            )
        try:
            fps = int(request.data.get("fps") or 12)
        except (TypeError, ValueError):
            raise ApiError(400, "invalid_request", "fps must be a whole number.") from None
        try:
            export = timelapse_export_request(
                camera=camera, by=request.user, fps=fps, **_window(request, camera)
            )
        except DjangoValidationError as exc:
            raise ApiError(400, "invalid_request", "; ".join(exc.messages)) from None
        return Response(ExportOutputSerializer(export).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailApi(APIView):
    """``GET``: an export's progress, and its download address once ready."""

    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="exports_detail",
        summary="A timelapse export's progress",
        responses={200: ExportOutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request, export_id: int):
        export = get_object_or_404(selectors.exports_visible_to(request.user), pk=export_id)
        return Response(ExportOutputSerializer(export).data)
