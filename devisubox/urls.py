from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

admin.site.site_header = "Devisubox privacy administration"
admin.site.site_title = "Devisubox admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/", include("projects.api_urls")),
    path("api/", include("reviews.api_urls")),
    path("", include("projects.urls")),
]
