"""Runs in the admin: read-only, for staff looking into a failure or a detection."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from anonymizer.models import AnonymizationRun, Detection


class DetectionInline(admin.TabularInline):
    model = Detection
    extra = 0
    can_delete = False
    fields = ["label", "score", "x1", "y1", "x2", "y2"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AnonymizationRun)
class AnonymizationRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "photo_link",
        "outcome",
        "source",
        "attempt",
        "engine_version",
        "counts",
        "duration",
        "short_error",
    ]
    list_filter = ["outcome", "source", "engine_version", "photo__camera__project"]
    search_fields = ["=photo__id", "error", "worker"]
    date_hierarchy = "started_at"
    list_select_related = ["photo"]
    inlines = [DetectionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Photo")
    def photo_link(self, obj):
        url = reverse("admin:projects_photo_change", args=[obj.photo_id])
        return format_html('<a href="{}">{}</a>', url, str(obj.photo_id)[:8])

    @admin.display(description="Seconds")
    def duration(self, obj):
        return f"{obj.seconds:.1f}"

    @admin.display(description="Error")
    def short_error(self, obj):
        return obj.error[:120]
