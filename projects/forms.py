from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms

from projects.adapters import pending_invitation
from projects.models import Membership, Project


class InvitationSignupForm(SignupForm):
    """allauth's signup form, held to the address the invitation was sent to."""

    def clean_email(self):
        email = super().clean_email()
        invitation = pending_invitation(context.request) if context.request else None
        if invitation is None:
            raise forms.ValidationError("Accounts are created from an invitation link only.")
        if email.lower() != invitation.email.lower():
            raise forms.ValidationError(
                f"This invitation is for {invitation.email}; sign up with that address."
            )
        return email


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.VIEWER)
    can_view_originals = forms.BooleanField(
        required=False,
        label="May view originals",
        help_text="Only where a project keeps originals for a recorded purpose.",
    )


class OriginalsEnableForm(forms.ModelForm):
    """An owner records why originals are kept and for how long (1 to 30 days)."""

    class Meta:
        model = Project
        fields = ["originals_purpose", "originals_retention_days"]
        labels = {
            "originals_purpose": "Lawful purpose",
            "originals_retention_days": "Keep each original for (days)",
        }

    def clean_originals_purpose(self):
        purpose = self.cleaned_data["originals_purpose"].strip()
        if not purpose:
            raise forms.ValidationError("Record the lawful purpose (for example site security).")
        return purpose
