from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects.demo import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Create the demo customer, projects, cameras, users and photos (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even in the production profile (the demo password is public).",
        )

    def handle(self, *args, allow_production=False, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError("Refusing to create demo users with a known password in production.")
        result = demo_seed()
        self.stdout.write(
            f"Demo photos: {result.photos_created} new, {result.photos_existing} already there "
            "(photos stay hidden until they are anonymized)."
        )
        for camera, token in result.camera_tokens.items():
            self.stdout.write(f"Upload token for new camera {camera}: {token}")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in result.users:
            self.stdout.write(f"  {email:<28} {role}")
