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
]
