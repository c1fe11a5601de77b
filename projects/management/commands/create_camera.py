from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from projects.models import Project
from projects.services import camera_create


class Command(BaseCommand):
    help = "Create a camera in a project and print its upload token (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--name", required=True, help="The camera's name.")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. Europe/Paris.")

    def handle(self, *args, project, name, timezone, **options):
        project_obj = Project.objects.filter(slug=project).first()
        if project_obj is None:
            raise CommandError(f"No project with slug {project!r}.")
        try:
            camera, token = camera_create(project=project_obj, name=name, timezone_name=timezone)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"Camera {camera.pk} '{camera.name}' created in {project_obj.name}.")
        self.stdout.write(f"Upload token (shown only now, store it in the camera): {token}")
