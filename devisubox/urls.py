from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Devisubox privacy administration"
admin.site.site_title = "Devisubox admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("projects.api_urls")),
    path("api/", include("reviews.api_urls")),
    path("", include("projects.urls")),
]
