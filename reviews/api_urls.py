from django.urls import path

from reviews import apis

urlpatterns = [
    path(
        "v1/photos/<uuid:photo_id>/reports/",
        apis.PhotoReportCreateApi.as_view(),
        name="api_photo_reports",
    ),
]
