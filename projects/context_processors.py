from django.conf import settings


def platform(request):
    """Values every page shows: the platform's own privacy contact."""
    return {"platform_privacy_contact": settings.PRIVACY_CONTACT_EMAIL}
