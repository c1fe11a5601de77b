"""The report API behind the photo page's form: anyone who can see a photo may report it."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from projects import selectors
from projects.apis import ApiError, error_responses
from reviews.models import DetectionReport
from reviews.services import detection_report_submit


class ReportThrottle(SimpleRateThrottle):
    """``REPORT_RATE`` reports per signed-in user, or per IP address for visitors."""

    scope = "detection_report"

    def get_rate(self):
        return settings.REPORT_RATE

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ReportInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DetectionReport.Kind.choices)
    region_xy_norm = serializers.JSONField(
        help_text="The region drawn on the photo: [[x, y], ...], 0..1 of its width and height."
    )
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    email = serializers.EmailField(
        required=False, allow_blank=True, help_text="Required when not signed in."
    )
    # A field people never see: bots fill it in.
    website = serializers.CharField(required=False, allow_blank=True)


class PhotoReportCreateApi(APIView):
    """``POST``: report a detection error on a photo (people left visible, wrong blur)."""

    permission_classes = [AllowAny]
    throttle_classes = [ReportThrottle]

    @extend_schema(
        operation_id="photo_reports_create",
        summary="Report a detection error on a photo",
        request=ReportInputSerializer,
        responses={
            201: inline_serializer(
                "ReportReceived",
                {
                    "status": serializers.CharField(),
                    "id": serializers.IntegerField(required=False),
                    "photo_hidden": serializers.BooleanField(required=False),
                },
            ),
            **error_responses(400, 404, 429),
        },
    )
    def post(self, request, photo_id):
        photo = get_object_or_404(selectors.photos_with_images_for(request.user), pk=photo_id)
        data = ReportInputSerializer(data=request.data)
        if not data.is_valid():
            raise ApiError(400, "invalid_report", _flatten(data.errors))
        values = data.validated_data
        if values.get("website"):
            # Looks accepted, so the bot learns nothing; nothing is stored.
            return Response({"status": "received"}, status=status.HTTP_201_CREATED)
        try:
            report = detection_report_submit(
                photo=photo,
                kind=values["kind"],
                region_xy_norm=values["region_xy_norm"],
                message=values.get("message", ""),
                reporter=request.user,
                reporter_email=values.get("email", ""),
            )
        except DjangoValidationError as exc:
            raise ApiError(400, "invalid_report", "; ".join(exc.messages)) from None
        return Response(
            {"status": "received", "id": report.pk, "photo_hidden": report.quarantined_photo},
            status=status.HTTP_201_CREATED,
        )


def _flatten(errors) -> str:
    return "; ".join(
        f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in errors.items()
    )
