"""Django admin for privacy staff: filters, search, read-only hashes, thumbnails.

Originals are never linked or previewed here: their access is logged and
goes through the originals view of the access issue.
"""

from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from projects.models import BlurZone, Camera, Customer, Invitation, Membership, Photo, Project
from projects.services import camera_token_assign, camera_token_rotate


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
        (None, {"fields": ["customer", "name", "slug", "description", "is_public"]}),
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


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["thumb", "camera", "taken_at", "status", "original_state", "received_at"]
    list_filter = ["status", "camera__project__customer", "camera__project", "camera"]
    search_fields = ["=id", "sha256", "camera__name", "camera__project__name"]
    date_hierarchy = "taken_at"
    list_select_related = ["camera__project"]
    fields = [
        "preview",
        "camera",
        "status",
        "error",
        "taken_at",
        "received_at",
        "width",
        "height",
        "sha256",
        "original_state",
        "original_delete_after",
        "updated_at",
    ]
    readonly_fields = [f for f in fields if f not in ("status",)]

    def has_add_permission(self, request):
        # Photos arrive through the ingestion path only, which validates them.
        return False

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

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
