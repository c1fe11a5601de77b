"""``/api/``: version 1 of the JSON API and its OpenAPI schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from projects import apis

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("v1/photos/", apis.PhotoListCreateApi.as_view(), name="api_photos"),
    path("v1/photos/<uuid:photo_id>/", apis.PhotoDetailApi.as_view(), name="api_photo"),
    path(
        "v1/photos/<uuid:photo_id>/reprocess/",
        apis.PhotoReprocessApi.as_view(),
        name="api_photo_reprocess",
    ),
    path("v1/cameras/<int:camera_id>/zones/", apis.CameraZonesApi.as_view(), name="api_zones"),
    path("v1/zones/<int:zone_id>/", apis.ZoneDetailApi.as_view(), name="api_zone"),
    path("v1/cameras/<int:camera_id>/frames/", apis.CameraFramesApi.as_view(), name="api_frames"),
    path(
        "v1/cameras/<int:camera_id>/exports/", apis.CameraExportsApi.as_view(), name="api_exports"
    ),
    path("v1/exports/<int:export_id>/", apis.ExportDetailApi.as_view(), name="api_export"),
    path(
        "v1/cameras/<int:camera_id>/photos/",
        apis.CameraPhotoUploadApi.as_view(),
        name="api_camera_photos",
    ),
]
