"""Privacy staff in the admin: the report queue, the photo review page, the figures.

The photo review page shows a photo with the reported regions, the last
run's detections, the corrections and the zones drawn over it; staff draw
a region to blur or to keep clear, re-run the anonymization, and resolve or
reject reports there. Every action goes through ``reviews.services``.
"""

import statistics
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from projects.models import ManualRegion, Photo
from projects.services import PhotoNotProcessable
from projects.validators import validate_polygon_xy_norm
from reviews.models import DetectionReport
from reviews.selectors import photo_review
from reviews.services import (
    detection_report_reject,
    detection_report_resolve,
    photo_anonymize_again,
    photo_correction_add,
    photo_correction_remove,
)

_CORRECTIONS = [
    ("redact", "Blur the reported region"),
    ("keep_clear", "Remove the automatic blur inside the reported region (needs the original)"),
    ("", "No change to the photo (already corrected, or nothing to fix)"),
]


class DetectionReportForm(forms.ModelForm):
    correction = forms.ChoiceField(
        choices=_CORRECTIONS,
        required=False,
        initial="redact",
        help_text="When resolving: what to do to the photo (it is anonymized again).",
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
        if (
            data.get("status") == DetectionReport.Status.RESOLVED
            and data.get("correction") == "keep_clear"
            and not self.instance.photo.has_original
        ):
            raise ValidationError(
                {"correction": "The original is deleted: a blur cannot be removed any more."}
            )
        return data


class CorrectionForm(forms.Form):
    """A region drawn on the photo in the review page, to blur or to keep clear."""

    action = forms.ChoiceField(choices=ManualRegion.Action.choices)
    polygon = forms.JSONField(
        widget=forms.HiddenInput,
        error_messages={"required": "Draw the region on the photo first."},
    )
    reason = forms.CharField(max_length=200)

    def clean_polygon(self):
        polygon = self.cleaned_data["polygon"]
        validate_polygon_xy_norm(polygon)
        return polygon


class UndoForm(forms.Form):
    region = forms.IntegerField()
    reason = forms.CharField(max_length=200)


class DecisionForm(forms.Form):
    """Resolve or reject one of the photo's open reports, with the answer to the reporter."""

    report = forms.IntegerField()
    decision = forms.ChoiceField(choices=[("resolve", "Resolve"), ("reject", "Reject")])
    correction = forms.ChoiceField(choices=_CORRECTIONS, required=False)
    message = forms.CharField(required=False, max_length=2000)


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
            path(
                "photo/<uuid:pk>/",
                self.admin_site.admin_view(self.photo_review_view),
                name="reviews_photo_review",
            ),
            path(
                "photo/<uuid:pk>/image/",
                self.admin_site.admin_view(self.photo_image_view),
                name="reviews_photo_image",
            ),
            *super().get_urls(),
        ]

    def _photo_for_staff(self, request, pk) -> Photo:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(Photo.objects.select_related("camera__project"), pk=pk)

    def photo_image_view(self, request, pk):
        """The photo's current anonymized display image, in any status (quarantined too)."""
        photo = self._photo_for_staff(request, pk)
        if not photo.display:
            raise Http404
        response = FileResponse(photo.display.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-cache"
        return response

    def photo_review_view(self, request, pk):
        """One photo with its reports, detections and corrections; staff correct it here."""
        photo = self._photo_for_staff(request, pk)
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            self._photo_review_post(request, photo)
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            **photo_review(photo=photo),
            "title": f"Photo of {photo.camera.project.name} · {photo.camera.name}, "
            f"{timezone.localtime(photo.taken_at):%Y-%m-%d %H:%M}",
            "photo": photo,
            "opts": self.model._meta,
            "can_change": self.has_change_permission(request),
            "actions": ManualRegion.Action.choices,
            "corrections": _CORRECTIONS,
            "report_regions": {
                r.pk: r.region_xy_norm for r in photo.reports.only("pk", "region_xy_norm")
            },
        }
        return TemplateResponse(request, "admin/reviews/photo_review.html", context)

    def _photo_review_post(self, request, photo: Photo) -> None:
        """Apply one action from the review page; report what happened as a message."""
        op = request.POST.get("op")
        try:
            if op == "correct":
                form = CorrectionForm(request.POST)
                if form.is_valid():
                    photo_correction_add(
                        photo=photo,
                        action=form.cleaned_data["action"],
                        polygon_xy_norm=form.cleaned_data["polygon"],
                        reason=form.cleaned_data["reason"],
                        by=request.user,
                    )
                    messages.success(request, "Saved; the photo is being anonymized again.")
                else:
                    raise ValidationError(_form_errors(form))
            elif op == "undo":
                form = UndoForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_form_errors(form))
                region = get_object_or_404(
                    ManualRegion, pk=form.cleaned_data["region"], photo=photo
                )
                photo_correction_remove(
                    region=region, by=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, "Correction undone; the photo is anonymized again.")
            elif op == "reprocess":
                photo_anonymize_again(photo=photo, by=request.user)
                messages.success(request, "The photo is being anonymized again.")
            elif op == "decide":
                self._decide(request, photo)
            else:
                messages.error(request, "Unknown action.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PhotoNotProcessable as exc:
            messages.error(request, str(exc))

    def _decide(self, request, photo: Photo) -> None:
        form = DecisionForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        report = get_object_or_404(
            DetectionReport, pk=form.cleaned_data["report"], photo=photo, status__in=_OPEN
        )
        message = form.cleaned_data["message"]
        if form.cleaned_data["decision"] == "reject":
            detection_report_reject(report=report, by=request.user, message=message)
            messages.success(request, f"Report {report.pk} rejected; the reporter is emailed.")
        else:
            detection_report_resolve(
                report=report,
                by=request.user,
                resolution=message,
                correction=form.cleaned_data["correction"] or None,
            )
            messages.success(request, f"Report {report.pk} resolved; the reporter is emailed.")

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
        "photo_figure",
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
        "correction",
        "handled_by",
        "resolved_at",
    ]
    # Staff change only the decision; what the reporter sent stays as sent.
    readonly_fields = [f for f in fields if f not in ("status", "resolution", "correction")]

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
                    correction=form.cleaned_data.get("correction") or None,
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
        url = reverse("admin:reviews_photo_review", args=[obj.photo_id])
        return format_html('<a href="{}">review {}</a>', url, str(obj.photo_id)[:8])

    @admin.display(description="The photo")
    def photo_figure(self, obj):
        """The photo with this report's region and the detections; a link to correct it."""
        return render_to_string(
            "admin/reviews/photo_figure.html",
            {**photo_review(photo=obj.photo, highlight=obj), "photo": obj.photo},
        )


def _form_errors(form) -> list[str]:
    return [
        str(e) if name == "__all__" else f"{name.capitalize()}: {e}"
        for name, errors in form.errors.items()
        for e in errors
    ]
