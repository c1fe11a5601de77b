"""Reports in the admin (the full staff workflow comes with the reviews issue)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from reviews.models import DetectionReport


@admin.register(DetectionReport)
class DetectionReportAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "status",
        "quarantined_photo",
        "photo_link",
        "reporter_email",
    ]
    list_filter = ["status", "kind", "quarantined_photo", "photo__camera__project"]
    search_fields = ["reporter_email", "message", "=photo__id"]
    date_hierarchy = "created_at"
    list_select_related = ["photo"]
    readonly_fields = [
        "photo",
        "reporter",
        "reporter_email",
        "kind",
        "region_xy_norm",
        "message",
        "quarantined_photo",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False  # reports come from the photo pages

    @admin.display(description="Photo")
    def photo_link(self, obj):
        url = reverse("admin:projects_photo_change", args=[obj.photo_id])
        return format_html('<a href="{}">{}</a>', url, str(obj.photo_id)[:8])
