from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import translation

from projects.models import Membership
from projects.services import privacy_staff_group_sync
from tests.factories import (
    CameraFactory,
    CustomerFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A French request (LocaleMiddleware) must not leave French active for the next test."""
    yield
    translation.activate("en")


@dataclass
class Actors:
    """The people every permission test talks about, set up once per test."""

    owner: object
    project_admin: object
    viewer: object
    outsider: object
    anonymous: AnonymousUser
    staff: object
    customer: object
    public_project: object
    private_project: object
    camera: object
    outsider_project: object

    def client(self, user) -> Client:
        """A test client signed in as ``user`` (anonymous when not a saved user)."""
        client = Client()
        if getattr(user, "pk", None):
            client.force_login(user)
        return client


@pytest.fixture
def actors(db) -> Actors:
    customer = CustomerFactory(name="Acme Building", slug="acme")
    members = {
        role: MembershipFactory(
            customer=customer,
            role=role,
            user=UserFactory(email=f"{role}@acme.example"),
            can_view_originals=role == Membership.Role.OWNER,
        ).user
        for role in Membership.Role.values
    }
    outsider_membership = MembershipFactory(
        user=UserFactory(email="outsider@rival.example"), role=Membership.Role.OWNER
    )
    staff = UserFactory(email="privacy@platform.example", is_staff=True)
    staff.groups.add(privacy_staff_group_sync())
    public_project = ProjectFactory(customer=customer, name="Tower", slug="tower", is_public=True)
    return Actors(
        owner=members[Membership.Role.OWNER],
        project_admin=members[Membership.Role.PROJECT_ADMIN],
        viewer=members[Membership.Role.VIEWER],
        outsider=outsider_membership.user,
        anonymous=AnonymousUser(),
        staff=staff,
        customer=customer,
        public_project=public_project,
        private_project=ProjectFactory(customer=customer, name="Depot", slug="depot"),
        camera=CameraFactory(project=public_project, name="North", slug="north"),
        outsider_project=ProjectFactory(customer=outsider_membership.customer, slug="rival-site"),
    )


@pytest.fixture(autouse=True)
def _storage_in_tmp(settings, tmp_path):
    """Each test gets empty storages of its own (cookiecutter-django's ``_media_storage``)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "originals": {
            "BACKEND": "devisubox.storages.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private" / "originals")},
        },
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits (allauth's, the API's) live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def eager_celery():
    """Tasks run inline when sent (here: when the sending transaction commits)."""
    from devisubox.celery import app as celery_app

    # Not propagating: eager retries (the task's own Retry) are then run inline too.
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=False)
    yield
    celery_app.conf.update(task_always_eager=False, task_eager_propagates=True)
