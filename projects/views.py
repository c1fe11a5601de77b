"""Pages. Thin: each reads through a selector and writes through a service."""

import calendar
import csv
import mimetypes
from datetime import date, timedelta

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from projects import selectors
from projects.adapters import SESSION_INVITATION_KEY
from projects.forms import InvitationForm, OriginalsEnableForm
from projects.models import Photo, Project
from projects.services import (
    invitation_accept,
    invitation_create,
    original_access_record,
    project_originals_disable,
    project_originals_enable,
)


def home(request):
    """Public projects for visitors; the user's customers and projects for members."""
    context = {"public_projects": selectors.public_projects()}
    if request.user.is_authenticated:
        context["memberships"] = selectors.memberships_of(request.user)
        context["projects"] = selectors.project_dashboard(
            request.user,
            selectors.projects_visible_to(request.user).filter(
                customer__memberships__user=request.user
            ),
        )
        context["upload_cameras"] = selectors.cameras_administered_by(request.user)
    return render(request, "projects/home.html", context)


@login_required
def camera_upload(request, camera_id):
    """Project admins upload photos for a camera from their computer (several at once)."""
    camera = selectors.cameras_administered_by(request.user).filter(pk=camera_id).first()
    if camera is None:
        raise Http404
    context = {
        "camera": camera,
        "upload_url": reverse("api_camera_photos", args=[camera.pk]),
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "recent": selectors.photos_visible_to(request.user, camera=camera)[:20],
    }
    return render(request, "projects/camera_upload.html", context)


@login_required
def camera_zones(request, camera_id):
    """Project admins draw the camera's blur zones on its latest photo."""
    camera = selectors.cameras_administered_by(request.user).filter(pk=camera_id).first()
    if camera is None:
        raise Http404
    latest = selectors.photos_with_images_for(request.user).filter(camera=camera).first()
    context = {
        "camera": camera,
        "project": camera.project,
        "latest": latest,
        "api_url": reverse("api_zones", args=[camera.pk]),
        "zone_url": reverse("api_zone", args=[0]).replace("/0/", "/{id}/"),
    }
    return render(request, "projects/camera_zones.html", context)


def _owned_customer_or_404(request, slug):
    customer = selectors.customer_owned_by(request.user, slug)
    if customer is None:
        raise Http404
    return customer


@login_required
def customer_members(request, slug):
    """Owners see the customer's members and invite people by email."""
    customer = _owned_customer_or_404(request, slug)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitation_create(
                customer=customer,
                invited_by=request.user,
                accept_url=lambda token: request.build_absolute_uri(
                    reverse("invitation_open", args=[token])
                ),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("customer_members", slug=customer.slug)
    context = {
        "customer": customer,
        "members": customer.memberships.select_related("user").order_by("user__email"),
        "invitations": customer.invitations.filter(accepted_at__isnull=True),
        "form": form,
    }
    return render(request, "projects/members.html", context)


@login_required
@require_POST
def invitation_revoke(request, slug, pk):
    """Owners withdraw an invitation that was not used yet."""
    customer = _owned_customer_or_404(request, slug)
    deleted, _details = customer.invitations.filter(pk=pk, accepted_at__isnull=True).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("Invitation withdrawn."))
    return redirect("customer_members", slug=customer.slug)


def invitation_open(request, token):
    """The link in an invitation email: join, sign in, or sign up for the invited address."""
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return render(request, "projects/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        try:
            invitation_accept(invitation=invitation, user=request.user)
        except ValueError as exc:
            return render(
                request, "projects/invitation_invalid.html", {"reason": str(exc)}, status=403
            )
        messages.success(
            request,
            _("You are now a member of %(customer)s.") % {"customer": invitation.customer.name},
        )
        return redirect("home")
    if get_user_model().objects.filter(email__iexact=invitation.email).exists():
        login_url = reverse("account_login")
        return redirect(f"{login_url}?{urlencode({'next': request.path})}")
    # The link proves the address: allauth marks it verified at signup.
    request.session[SESSION_INVITATION_KEY] = invitation.pk
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect("account_signup")


# --- Projects, galleries, photos ------------------------------------------------

GALLERY_PAGE_SIZE = 48
IMAGE_FIELDS = {"display": "display", "full": "anonymized", "thumbnail": "thumbnail"}


def project_detail(request, slug):
    """A project's cameras with their latest photo, and its originals policy."""
    project = get_object_or_404(selectors.projects_visible_to(request.user), slug=slug)
    owned = selectors.project_owned_by(request.user, slug) is not None
    form = OriginalsEnableForm(instance=project) if owned else None
    return _project_page(request, project, is_owner=owned, originals_form=form)


def _project_page(request, project, *, is_owner, originals_form, status=200):
    photos = selectors.photos_with_images_for(request.user)
    cameras = [
        (camera, photos.filter(camera=camera).first())
        for camera in selectors.cameras_with_health(request.user, project)
    ]
    context = {
        "project": project,
        "cameras": cameras,
        "is_owner": is_owner,
        "originals_form": originals_form,
    }
    return render(request, "projects/project_detail.html", context, status=status)


def project_privacy(request, slug):
    """The project's privacy notice: who controls the data, why, for how long, whom to ask."""
    project = get_object_or_404(selectors.projects_visible_to(request.user), slug=slug)
    contact = project.customer.privacy_contact_email or settings.PRIVACY_CONTACT_EMAIL
    return render(request, "projects/privacy.html", {"project": project, "contact": contact})


def camera_gallery(request, slug, camera_slug):
    """A camera's calendar of days with photos, and one day's photos, newest first.

    ``?day=YYYY-MM-DD`` picks the day (the camera's local day); default: the
    latest day with photos. Members also see photos still being processed.
    """
    project = get_object_or_404(selectors.projects_visible_to(request.user), slug=slug)
    camera = get_object_or_404(project.cameras, slug=camera_slug)
    days = selectors.camera_days(request.user, camera)
    counts = dict(days)
    try:
        day = date.fromisoformat(request.GET["day"]) if "day" in request.GET else None
    except ValueError:
        day = None
    if day is None:
        day = days[0][0] if days else timezone.localdate(timezone=selectors.camera_zone(camera))
    month_days = calendar.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)
    months_with_photos = sorted({(d.year, d.month) for d, _count in days})
    current = (day.year, day.month)
    earlier = [m for m in months_with_photos if m < current]
    later = [m for m in months_with_photos if m > current]
    context = {
        "project": project,
        "camera": camera,
        "day": day,
        "photos": selectors.camera_day_photos(request.user, camera, day),
        "weeks": [
            [(d, counts.get(d, 0), d.month == day.month) for d in week] for week in month_days
        ],
        "previous_month": _month_first_day(earlier[-1], counts) if earlier else None,
        "next_month": _month_first_day(later[0], counts) if later else None,
        "zone": selectors.camera_zone(camera),
    }
    return render(request, "projects/camera_gallery.html", context)


def _month_first_day(year_month, counts) -> date:
    """The latest day with photos of a (year, month)."""
    return max(d for d in counts if (d.year, d.month) == year_month)


def photo_detail(request, photo_id):
    """One photo: its anonymized image, and the original for those allowed."""
    photo = get_object_or_404(selectors.photos_visible_to(request.user), pk=photo_id)
    # Offered where only a (fresh) 2FA check is missing: the link then asks for it.
    may_try_original = request.user.is_authenticated and selectors.original_refusal(
        request, photo
    ) not in (
        selectors.OriginalRefusal.NOT_ENABLED,
        selectors.OriginalRefusal.NO_RIGHT,
        selectors.OriginalRefusal.GONE,
    )
    days_left = None
    if photo.has_original and photo.original_delete_after:
        days_left = max(0, (photo.original_delete_after - timezone.now()).days)
    previous, following = selectors.photo_neighbours(request.user, photo)
    context = {
        "photo": photo,
        "project": photo.camera.project,
        "may_try_original": may_try_original,
        "original_days_left": days_left,
        "previous": previous,
        "next": following,
        "zone": selectors.camera_zone(photo.camera),
    }
    return render(request, "projects/photo_detail.html", context)


def _serve(field_file, *, cache_control: str, download_name: str | None = None):
    """The file's bytes (local storage) or a redirect to a presigned URL (S3, <= 60 s)."""
    storage = field_file.storage
    if hasattr(storage, "bucket_name"):
        parameters = {"ResponseCacheControl": cache_control}
        if download_name:
            parameters["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
        url = storage.url(
            field_file.name, parameters=parameters, expire=settings.SIGNED_URL_SECONDS
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"  # the URL itself expires
        return response
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    response = FileResponse(
        storage.open(field_file.name, "rb"),
        content_type=content_type,
        as_attachment=bool(download_name),
        filename=download_name or "",
    )
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


def photo_image(request, photo_id, kind):
    """An anonymized image (display, full or thumbnail) of a photo the request may see."""
    if kind not in IMAGE_FIELDS:
        raise Http404
    photo = get_object_or_404(selectors.photos_with_images_for(request.user), pk=photo_id)
    field_file = getattr(photo, IMAGE_FIELDS[kind])
    if not field_file:
        raise Http404
    # A quarantined photo is never cached publicly: only members see it.
    public = photo.camera.project.is_public and photo.status == Photo.Status.ANONYMIZED
    response = _serve(
        field_file,
        cache_control=(
            f"public, max-age={settings.PUBLIC_IMAGE_MAX_AGE_SECONDS}"
            if public
            else "private, max-age=300"
        ),
        download_name=f"{photo.taken_at:%Y%m%d-%H%M%S}.jpg" if "download" in request.GET else None,
    )
    if not public:
        patch_vary_headers(response, ["Cookie"])
    return response


_REFUSAL_MESSAGES = {
    selectors.OriginalRefusal.NOT_ENABLED: gettext_lazy("This project keeps no originals."),
    selectors.OriginalRefusal.NO_RIGHT: gettext_lazy("Your role does not allow viewing originals."),
    selectors.OriginalRefusal.NO_MFA: gettext_lazy(
        "Viewing originals needs two-factor authentication: set it up first."
    ),
    selectors.OriginalRefusal.GONE: gettext_lazy(
        "The original has been deleted; only the anonymized photo remains."
    ),
}


@login_required
def photo_original(request, photo_id):
    """The non-anonymized original, for an authorised member with fresh 2FA; logged."""
    photo = get_object_or_404(selectors.photos_visible_to(request.user), pk=photo_id)
    refusal = selectors.original_refusal(request, photo)
    if refusal == selectors.OriginalRefusal.MFA_STALE:
        # allauth asks for the code again and comes back here.
        return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.path})}")
    if refusal is not None:
        context = {"photo": photo, "message": _REFUSAL_MESSAGES[refusal], "refusal": refusal}
        response = render(request, "projects/original_refused.html", context, status=403)
        response["Cache-Control"] = "private, no-store"
        return response
    original_access_record(
        user=request.user, photo=photo, ip_address=request.META.get("REMOTE_ADDR")
    )
    return _serve(photo.original, cache_control="private, no-store")


@login_required
@require_POST
def project_originals(request, slug):
    """Owners turn originals on (purpose, retention) or off (deletes them, confirmed)."""
    project = selectors.project_owned_by(request.user, slug)
    if project is None:
        raise Http404
    if request.POST.get("action") == "disable":
        if request.POST.get("confirm") != project.slug:
            messages.error(request, _("Type the project's short name to confirm the deletion."))
            return redirect("project_detail", slug=slug)
        count = project_originals_disable(project=project, by=request.user)
        messages.success(
            request,
            ngettext(
                "Originals are no longer kept; %(count)s was deleted.",
                "Originals are no longer kept; %(count)s were deleted.",
                count,
            )
            % {"count": count},
        )
        return redirect("project_detail", slug=slug)
    form = OriginalsEnableForm(request.POST, instance=Project.objects.get(pk=project.pk))
    if form.is_valid():
        project_originals_enable(
            project=project,
            by=request.user,
            purpose=form.cleaned_data["originals_purpose"],
            retention_days=form.cleaned_data["originals_retention_days"],
        )
        messages.success(request, _("Originals are kept for the recorded purpose."))
        return redirect("project_detail", slug=slug)
    return _project_page(request, project, is_owner=True, originals_form=form, status=400)


@login_required
def project_audit_log(request, slug):
    """Owners read (or download as CSV) who viewed which original, when, from where, why."""
    project = selectors.project_owned_by(request.user, slug)
    if project is None:
        raise Http404
    accesses = project.original_accesses.all()
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slug}-originals-log.csv"'
        response["Cache-Control"] = "private, no-store"
        writer = csv.writer(response)
        writer.writerow(["accessed_at", "user", "photo", "ip_address", "purpose"])
        for access in accesses.iterator():
            writer.writerow(
                [
                    access.accessed_at.isoformat(),
                    access.user_email,
                    access.photo_uuid,
                    access.ip_address or "",
                    access.purpose,
                ]
            )
        return response
    page = Paginator(accesses, 100).get_page(request.GET.get("page"))
    return render(request, "projects/audit_log.html", {"project": project, "page": page})


def camera_timelapse(request, slug, camera_slug):
    """The timelapse player (everyone who sees the camera) and MP4 export (members)."""
    project = get_object_or_404(selectors.projects_visible_to(request.user), slug=slug)
    camera = get_object_or_404(project.cameras, slug=camera_slug)
    days = selectors.camera_days(request.user, camera)
    last_day = days[0][0] if days else timezone.localdate(timezone=selectors.camera_zone(camera))
    may_export = request.user.is_authenticated and (
        request.user.is_staff or selectors.membership_in(request.user, project.customer_id)
    )
    context = {
        "project": project,
        "camera": camera,
        "date_to": last_day,
        "date_from": last_day - timedelta(days=6),
        "may_export": bool(may_export),
        "frames_url": reverse("api_frames", args=[camera.pk]),
        "exports_url": reverse("api_exports", args=[camera.pk]),
        "export_url": reverse("api_export", args=[0]).replace("/0/", "/{id}/"),
    }
    return render(request, "projects/camera_timelapse.html", context)


@login_required
def timelapse_export_download(request, export_id):
    """The MP4 of a finished export, for members of its customer."""
    export = get_object_or_404(selectors.exports_visible_to(request.user), pk=export_id)
    if not export.file:
        raise Http404
    name = f"{export.camera.slug}-{export.date_from}-{export.date_to}.mp4"
    return _serve(export.file, cache_control="private, max-age=300", download_name=name)
