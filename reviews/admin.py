"""Reports in the admin (the full staff workflow comes with the reviews issue)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from reviews.models import DetectionReport
from reviews.services import detection_report_reject, detection_report_resolve


class DetectionReportForm(forms.ModelForm):
    blur_reported_region = forms.BooleanField(
        required=False,
        initial=True,
        help_text="When resolving: redact the region the reporter drew and anonymize again.",
    )

    class Meta:
        model = DetectionReport
        fields = ["status", "resolution"]

    def clean(self):
        data = super().clean()
        if (
            data.get("status") == DetectionReport.Status.REJECTED
            and not (data.get("resolution") or "").strip()
        ):
            raise ValidationError({"resolution": "Tell the reporter why the report is rejected."})
        return data


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
    form = DetectionReportForm
    fields = [
        "photo",
        "reporter",
        "reporter_email",
        "kind",
        "region_xy_norm",
        "message",
        "quarantined_photo",
        "created_at",
        "status",
        "resolution",
        "blur_reported_region",
        "handled_by",
        "resolved_at",
    ]
    readonly_fields = [
        "photo",
        "reporter",
        "reporter_email",
        "kind",
        "region_xy_norm",
        "message",
        "quarantined_photo",
        "created_at",
        "handled_by",
        "resolved_at",
    ]

    def save_model(self, request, obj, form, change):
        """Resolving or rejecting goes through the services (correction, release, email)."""
        status = form.cleaned_data.get("status")
        stored = DetectionReport.objects.get(pk=obj.pk)
        closing = status in (DetectionReport.Status.RESOLVED, DetectionReport.Status.REJECTED)
        if closing and stored.status != status:
            resolution = form.cleaned_data.get("resolution", "")
            if status == DetectionReport.Status.RESOLVED:
                detection_report_resolve(
                    report=stored,
                    by=request.user,
                    resolution=resolution,
                    blur_reported_region=form.cleaned_data.get("blur_reported_region", False),
                )
                messages.info(request, "Resolved; the reporter is emailed.")
            else:
                detection_report_reject(report=stored, by=request.user, message=resolution)
                messages.info(request, "Rejected; the reporter is emailed.")
            return
        obj.handled_by = obj.handled_by or request.user
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False  # reports come from the photo pages

    @admin.display(description="Photo")
    def photo_link(self, obj):
        url = reverse("admin:projects_photo_change", args=[obj.photo_id])
        return format_html('<a href="{}">{}</a>', url, str(obj.photo_id)[:8])
