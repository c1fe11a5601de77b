"""django-allauth adapter: accounts are created by invitation only."""

from allauth.account.adapter import DefaultAccountAdapter

from projects.models import Invitation
from projects.services import invitation_accept

SESSION_INVITATION_KEY = "devisubox_invitation_id"


def pending_invitation(request) -> Invitation | None:
    """The still-usable invitation the visitor opened in this session, if any."""
    invitation_id = request.session.get(SESSION_INVITATION_KEY)
    if invitation_id is None:
        return None
    invitation = Invitation.objects.select_related("customer").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_usable():
        request.session.pop(SESSION_INVITATION_KEY, None)
        return None
    return invitation


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Signup is open only to a visitor holding a valid invitation.

    The signup that follows an invitation creates the account for the invited
    address (already verified by the invitation link) and its membership.
    """

    def is_open_for_signup(self, request) -> bool:
        return pending_invitation(request) is not None

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        invitation = pending_invitation(request)
        if commit and invitation is not None:
            invitation_accept(invitation=invitation, user=user)
            request.session.pop(SESSION_INVITATION_KEY, None)
        return user
