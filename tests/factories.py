import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from projects.models import BlurZone, Camera, Customer, Membership, Project, token_hash

TEST_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.LazyAttribute(lambda o: o.email)
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Users have a verified primary address unless built with verified=False."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Builder {n}")
    slug = factory.Sequence(lambda n: f"builder-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    customer = factory.SubFactory(CustomerFactory)
    role = Membership.Role.VIEWER


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    slug = factory.Sequence(lambda n: f"site-{n}")


class CameraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Camera

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Camera {n}")
    slug = factory.Sequence(lambda n: f"camera-{n}")
    upload_token_hash = factory.Sequence(lambda n: token_hash(f"factory-token-{n}"))
    upload_token_prefix = "factory-"
    timezone = "Europe/Paris"


class BlurZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlurZone

    camera = factory.SubFactory(CameraFactory)
    label = "Road"
    polygon_xy_norm = factory.LazyFunction(lambda: [[0, 0.8], [1, 0.8], [1, 1], [0, 1]])
