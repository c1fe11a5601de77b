"""Reports in the admin (the full staff workflow comes with the reviews issue)."""

import statistics
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Value, When
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
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


_OPEN = (DetectionReport.Status.NEW, DetectionReport.Status.IN_PROGRESS)


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("1", "over a day"), ("7", "over a week")]

    def queryset(self, request, queryset):
        if self.value() in ("1", "7"):
            return queryset.filter(
                created_at__lt=timezone.now() - timedelta(days=int(self.value()))
            )
        return queryset


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
    list_filter = ["status", "kind", AgeFilter, "quarantined_photo", "photo__camera__project"]
    change_list_template = "admin/reviews/detectionreport/change_list.html"
    # The queue: open reports first, then someone identifiable, oldest first.
    ordering = [
        Case(
            When(status__in=_OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
        ).asc(),
        Case(
            When(kind__in=DetectionReport.IDENTIFYING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ).asc(),
        "created_at",
    ]

    def get_urls(self):
        return [
            path(
                "figures/",
                self.admin_site.admin_view(self.figures_view),
                name="reviews_detectionreport_figures",
            ),
            *super().get_urls(),
        ]

    def figures_view(self, request):
        """Open reports, median time to resolution, reports by kind and by camera."""
        reports = DetectionReport.objects.all()
        durations = [
            (resolved - created).total_seconds() / 3600
            for created, resolved in reports.filter(resolved_at__isnull=False).values_list(
                "created_at", "resolved_at"
            )
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Detection-error figures",
            "open_count": reports.filter(status__in=_OPEN).count(),
            "median_hours": statistics.median(durations) if durations else None,
            "by_kind": reports.values("kind").annotate(count=Count("id")).order_by("-count"),
            "by_camera": reports.values("photo__camera__project__name", "photo__camera__name")
            .annotate(count=Count("id"))
            .order_by("-count")[:50],
            "kind_labels": dict(DetectionReport.Kind.choices),
        }
        return TemplateResponse(request, "admin/reviews/figures.html", context)

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
