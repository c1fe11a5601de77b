"""Camera authentication for the API (kept apart from the views: DRF loads it from settings)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from projects import selectors
from projects.models import Camera


class CameraPrincipal:
    """``request.user`` for a camera: authenticated, but no person and no staff."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None

    def __init__(self, camera: Camera):
        self.camera = camera

    def __str__(self) -> str:
        return f"camera {self.camera.pk}"


class CameraTokenAuthentication(BaseAuthentication):
    """``Authorization: Camera <token>``; an unknown or inactive camera gets 401."""

    keyword = "Camera"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Camera <token>'.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        camera = selectors.camera_by_token(token)
        if camera is None:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        if not camera.is_active:
            raise exceptions.AuthenticationFailed("This camera is not active.")
        return CameraPrincipal(camera), camera

    def authenticate_header(self, request):
        return self.keyword


class CameraTokenScheme(OpenApiAuthenticationExtension):
    """Describes camera authentication in the OpenAPI schema."""

    target_class = CameraTokenAuthentication
    name = "cameraToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Camera <token>`: the camera's upload token, shown once when "
            "the camera is created or its token rotated.",
        }
