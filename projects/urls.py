from django.urls import path

from projects import views

urlpatterns = [
    path("", views.home, name="home"),
    path("customers/<slug:slug>/members/", views.customer_members, name="customer_members"),
    path(
        "customers/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_open, name="invitation_open"),
    path("cameras/<int:camera_id>/upload/", views.camera_upload, name="camera_upload"),
    path("cameras/<int:camera_id>/zones/", views.camera_zones, name="camera_zones"),
    path("projects/<slug:slug>/", views.project_detail, name="project_detail"),
    path("projects/<slug:slug>/originals/", views.project_originals, name="project_originals"),
    path("projects/<slug:slug>/privacy/", views.project_privacy, name="project_privacy"),
    path(
        "projects/<slug:slug>/originals-log/",
        views.project_audit_log,
        name="project_audit_log",
    ),
    path(
        "projects/<slug:slug>/cameras/<slug:camera_slug>/",
        views.camera_gallery,
        name="camera_gallery",
    ),
    path(
        "projects/<slug:slug>/cameras/<slug:camera_slug>/timelapse/",
        views.camera_timelapse,
        name="camera_timelapse",
    ),
    path(
        "exports/<int:export_id>/download/",
        views.timelapse_export_download,
        name="timelapse_export_download",
    ),
    path("photos/<uuid:photo_id>/", views.photo_detail, name="photo_detail"),
    path("photos/<uuid:photo_id>/image/<str:kind>/", views.photo_image, name="photo_image"),
    path("photos/<uuid:photo_id>/original/", views.photo_original, name="photo_original"),
]
