"""Pages. Thin: each reads through a selector and writes through a service."""

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from projects import selectors
from projects.adapters import SESSION_INVITATION_KEY
from projects.forms import InvitationForm
from projects.services import invitation_accept, invitation_create


def home(request):
    """Public projects for visitors; the user's customers and projects for members."""
    context = {"public_projects": selectors.public_projects()}
    if request.user.is_authenticated:
        context["memberships"] = selectors.memberships_of(request.user)
        context["projects"] = selectors.projects_visible_to(request.user)
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
            invitation, _ = invitation_create(
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
            messages.success(request, f"Invitation sent to {invitation.email}.")
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
    deleted, _ = customer.invitations.filter(pk=pk, accepted_at__isnull=True).delete()
    if not deleted:
        raise Http404
    messages.success(request, "Invitation withdrawn.")
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
        messages.success(request, f"You are now a member of {invitation.customer.name}.")
        return redirect("home")
    if get_user_model().objects.filter(email__iexact=invitation.email).exists():
        login_url = reverse("account_login")
        return redirect(f"{login_url}?{urlencode({'next': request.path})}")
    # The link proves the address: allauth marks it verified at signup.
    request.session[SESSION_INVITATION_KEY] = invitation.pk
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect("account_signup")
