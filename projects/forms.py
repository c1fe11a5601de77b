from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.adapters import pending_invitation
from projects.models import Membership, Project
from projects.validators import MAX_RETENTION_DAYS


class InvitationSignupForm(SignupForm):
    """allauth's signup form, held to the address the invitation was sent to."""

    def clean_email(self):
        email = super().clean_email()
        invitation = pending_invitation(context.request) if context.request else None
        if invitation is None:
            raise forms.ValidationError(_("Accounts are created from an invitation link only."))
        if email.lower() != invitation.email.lower():
            raise forms.ValidationError(
                _("This invitation is for %(email)s; sign up with that address.")
                % {"email": invitation.email}
            )
        return email


class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.VIEWER,
        label=gettext_lazy("Role"),
    )
    can_view_originals = forms.BooleanField(
        required=False,
        label=gettext_lazy("May view originals"),
        help_text=gettext_lazy("Only where a project keeps originals for a recorded purpose."),
    )


class OriginalsEnableForm(forms.ModelForm):
    """An owner records why originals are kept and for how long (1 to 30 days)."""

    class Meta:
        model = Project
        fields = ["originals_purpose", "originals_retention_days"]
        labels = {
            "originals_purpose": gettext_lazy("Lawful purpose"),
            "originals_retention_days": gettext_lazy("Keep each original for (days)"),
        }
        help_texts = {
            "originals_purpose": gettext_lazy(
                "The lawful purpose for keeping originals (for example security)."
            ),
            "originals_retention_days": format_lazy(
                gettext_lazy("Originals are deleted this many days after capture (1 to {max})."),
                max=MAX_RETENTION_DAYS,
            ),
        }

    def clean_originals_purpose(self):
        purpose = self.cleaned_data["originals_purpose"].strip()
        if not purpose:
            raise forms.ValidationError(_("Record the lawful purpose (for example site security)."))
        return purpose
