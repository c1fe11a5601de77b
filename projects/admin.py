"""Django admin for privacy staff: filters, search, read-only hashes, thumbnails.

Originals are never linked or previewed here: their access is logged and
goes through the originals view of the access issue.
"""

import csv

from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from anonymizer.models import AnonymizationRun
from projects.models import (
    BlurZone,
    Camera,
    Customer,
    Invitation,
    ManualRegion,
    Membership,
    OriginalAccess,
    OriginalsPurge,
    Photo,
    PhotoEvent,
    Project,
)
from projects.services import (
    blur_zone_create,
    blur_zone_delete,
    blur_zone_update,
    camera_token_assign,
    camera_token_rotate,
    photo_event_record,
    photo_work_request,
    photos_processable,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "can_view_originals", "created_at"]
    readonly_fields = ["created_at"]


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0
    fields = ["name", "slug", "is_public", "originals_enabled", "originals_retention_days"]
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "privacy_contact_email", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, ProjectInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "customer", "role", "can_view_originals", "created_at"]
    list_filter = ["role", "can_view_originals", "customer"]
    search_fields = ["user__email", "customer__name"]
    autocomplete_fields = ["user", "customer"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "customer", "role", "invited_by", "created_at", "state"]
    list_filter = ["role", "customer"]
    search_fields = ["email", "customer__name"]
    readonly_fields = ["token_hash", "invited_by", "created_at", "accepted_at", "accepted_by"]

    def has_add_permission(self, request):
        # Invitations are sent by owners from the members page, which emails the link.
        return False

    @admin.display(description="State")
    def state(self, obj):
        if obj.accepted_at:
            return "accepted"
        return "pending" if obj.is_usable() else "expired"


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "customer",
        "is_public",
        "originals_enabled",
        "originals_retention_days",
        "camera_count",
    ]
    list_filter = ["is_public", "originals_enabled", "customer"]
    search_fields = ["name", "slug", "customer__name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["originals_enabled_by", "originals_enabled_at", "created_at"]
    fieldsets = [
        (
            None,
            {"fields": ["customer", "name", "slug", "description", "camera_purpose", "is_public"]},
        ),
        (
            "Originals (personal data)",
            {
                "fields": [
                    "originals_enabled",
                    "originals_purpose",
                    "originals_retention_days",
                    "originals_enabled_by",
                    "originals_enabled_at",
                ]
            },
        ),
        (None, {"fields": ["created_at"]}),
    ]

    @admin.display(description="Cameras")
    def camera_count(self, obj):
        return obj.cameras.count()

    def save_model(self, request, obj, form, change):
        if obj.originals_enabled and (not change or "originals_enabled" in form.changed_data):
            obj.originals_enabled_by = request.user
            obj.originals_enabled_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "is_active", "timezone", "upload_token_prefix", "created_at"]
    list_filter = ["is_active", "project__customer", "project"]
    search_fields = ["name", "slug", "project__name", "upload_token_prefix"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["upload_token_prefix", "upload_token_hash", "created_at"]
    actions = ["rotate_upload_token"]

    def save_model(self, request, obj, form, change):
        token = None if change else camera_token_assign(camera=obj)
        super().save_model(request, obj, form, change)
        if token:
            messages.warning(
                request,
                f"Upload token for {obj}: {token} — copy it into the camera now; "
                "it is stored only as a hash and will not be shown again.",
            )

    @admin.action(description="Issue a new upload token (the old one stops working)")
    def rotate_upload_token(self, request, queryset):
        for camera in queryset:
            token = camera_token_rotate(camera=camera)
            messages.warning(
                request, f"New upload token for {camera}: {token} — shown only this once."
            )


class AnonymizationRunInline(admin.TabularInline):
    """The photo's runs, newest first: what ran, what it found, how long, what failed."""

    model = AnonymizationRun
    extra = 0
    can_delete = False
    fields = [
        "started_at",
        "outcome",
        "source",
        "attempt",
        "worker",
        "engine_version",
        "counts",
        "zones_count",
        "manual_regions_count",
        "masked_share",
        "timings",
        "error",
    ]
    readonly_fields = fields
    ordering = ["-started_at"]

    def has_add_permission(self, request, obj=None):
        return False


class PhotoEventInline(admin.TabularInline):
    """The photo's history: reports, corrections, reprocessing, by whom."""

    model = PhotoEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ManualRegionInline(admin.TabularInline):
    """Staff corrections of this photo's blur; made and undone on the photo review page."""

    model = ManualRegion
    extra = 0
    can_delete = False
    fields = ["action", "polygon_xy_norm", "reason", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = [
        "thumb",
        "camera",
        "taken_at",
        "status",
        "processing_state",
        "original_state",
        "received_at",
    ]
    list_filter = ["status", "camera__project__customer", "camera__project", "camera"]
    search_fields = ["=id", "sha256", "camera__name", "camera__project__name"]
    date_hierarchy = "taken_at"
    list_select_related = ["camera__project"]
    fields = [
        "preview",
        "review_link",
        "camera",
        "status",
        "processing_state",
        "error",
        "taken_at",
        "received_at",
        "anonymized_at",
        "width",
        "height",
        "original_bytes",
        "sha256",
        "original_state",
        "original_delete_after",
        "updated_at",
    ]
    # The status only changes through the pipeline (fail closed: no hand-made "anonymized").
    readonly_fields = fields
    inlines = [ManualRegionInline, PhotoEventInline, AnonymizationRunInline]
    actions = ["reprocess"]

    def has_add_permission(self, request):
        # Photos arrive through the ingestion path only, which validates them.
        return False

    @admin.action(description="Anonymize again (from the original where it is kept)")
    def reprocess(self, request, queryset):
        photos = photos_processable(photos=queryset)
        for photo in photos:
            photo_event_record(photo=photo, action="reprocess requested", actor=request.user)
        count = photo_work_request(photos=photos)
        messages.info(request, f"{count} photos queued for anonymization.")

    @admin.display(description="Processing")
    def processing_state(self, obj):
        if obj.work_requested_at is None:
            return "—"
        if obj.processing_started_at:
            return f"running since {obj.processing_started_at:%H:%M:%S} (run {obj.attempts})"
        return f"queued since {obj.work_requested_at:%Y-%m-%d %H:%M:%S}"

    def get_urls(self):
        return [
            path(
                "<uuid:pk>/thumbnail/",
                self.admin_site.admin_view(self.thumbnail_view),
                name="projects_photo_thumbnail",
            ),
            *super().get_urls(),
        ]

    def thumbnail_view(self, request, pk):
        """The anonymized thumbnail, for staff allowed to view photos."""
        if not self.has_view_permission(request):
            raise Http404
        photo = get_object_or_404(Photo, pk=pk, status=Photo.Status.ANONYMIZED)
        if not photo.thumbnail:
            raise Http404
        response = FileResponse(photo.thumbnail.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=300"
        return response

    def _thumbnail_tag(self, obj, height):
        if obj.status != Photo.Status.ANONYMIZED or not obj.thumbnail:
            return format_html('<span class="quiet">{}</span>', obj.get_status_display())
        url = reverse("admin:projects_photo_thumbnail", args=[obj.pk])
        return format_html('<img src="{}" alt="" style="height:{}px">', url, height)

    @admin.display(description="Thumbnail")
    def thumb(self, obj):
        return self._thumbnail_tag(obj, 60)

    @admin.display(description="Anonymized image")
    def preview(self, obj):
        return self._thumbnail_tag(obj, 240)

    @admin.display(description="Correct")
    def review_link(self, obj):
        try:  # the review page belongs to the reviews app, installed beside this one
            url = reverse("admin:reviews_photo_review", args=[obj.pk])
        except NoReverseMatch:
            return "—"
        return format_html(
            '<a href="{}">Review this photo: reports, detections, blur corrections</a>', url
        )

    @admin.display(description="Original")
    def original_state(self, obj):
        if not obj.has_original:
            return "deleted"
        if obj.original_delete_after:
            return f"kept until {obj.original_delete_after:%Y-%m-%d %H:%M} UTC"
        return "kept until anonymized"


@admin.register(BlurZone)
class BlurZoneAdmin(admin.ModelAdmin):
    list_display = ["__str__", "camera", "is_active", "point_count", "created_by", "created_at"]
    list_filter = ["is_active", "camera__project", "camera"]
    search_fields = ["label", "camera__name", "camera__project__name"]
    readonly_fields = ["created_by", "created_at"]

    @admin.display(description="Points")
    def point_count(self, obj):
        return len(obj.polygon_xy_norm or [])

    actions = ["delete_zones"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The bulk delete would skip the service that re-anonymizes the photos.
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        # Through the services, so the camera's photos are anonymized again.
        if not change:
            saved = blur_zone_create(
                camera=obj.camera,
                polygon_xy_norm=obj.polygon_xy_norm,
                label=obj.label,
                created_by=request.user,
            )
            obj.pk = saved.pk
        else:
            blur_zone_update(
                zone=BlurZone.objects.get(pk=obj.pk),
                polygon_xy_norm=obj.polygon_xy_norm,
                label=obj.label,
                is_active=obj.is_active,
            )

    def delete_model(self, request, obj):
        blur_zone_delete(zone=obj)

    @admin.action(description="Delete the selected zones (photos with originals are redone)")
    def delete_zones(self, request, queryset):
        for zone in queryset:
            blur_zone_delete(zone=zone)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody may add, change or delete from the UI."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OriginalAccess)
class OriginalAccessAdmin(ReadOnlyAdmin):
    list_display = ["accessed_at", "user_email", "photo_uuid", "project", "ip_address", "purpose"]
    list_filter = ["project__customer", "project"]
    search_fields = ["user_email", "=photo_uuid", "ip_address"]
    date_hierarchy = "accessed_at"
    list_select_related = ["project"]
    actions = ["export_csv"]

    def get_actions(self, request):
        # Read-only permission still lists actions; the export is the only one.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Export the selected rows as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="original-accesses.csv"'
        writer = csv.writer(response)
        writer.writerow(["accessed_at", "user", "photo", "project", "ip_address", "purpose"])
        for access in queryset.select_related("project"):
            writer.writerow(
                [
                    access.accessed_at.isoformat(),
                    access.user_email,
                    access.photo_uuid,
                    access.project.slug,
                    access.ip_address or "",
                    access.purpose,
                ]
            )
        return response


@admin.register(OriginalsPurge)
class OriginalsPurgeAdmin(ReadOnlyAdmin):
    list_display = ["ran_at", "dry_run", "due", "deleted", "failed"]
    list_filter = ["dry_run"]
    date_hierarchy = "ran_at"
