from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from projects.models import Camera
from projects.services import photos_import, photos_import_files


class Command(BaseCommand):
    help = (
        "Import a folder of photos for a camera through the upload path (validated, "
        "deduplicated, queued for anonymization). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", required=True, type=int, help="The camera's id.")
        parser.add_argument("folder", type=Path, help="Folder to import (recursively).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, camera, folder, no_progress, **options):
        camera_obj = Camera.objects.select_related("project").filter(pk=camera).first()
        if camera_obj is None:
            raise CommandError(f"No camera with id {camera}.")
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        total = len(photos_import_files(folder=folder))
        with tqdm(total=total, unit="file", disable=no_progress or None, file=self.stderr) as bar:
            summary = photos_import(
                camera=camera_obj, folder=folder, progress=lambda path: bar.update(1)
            )
        self.stdout.write(
            f"{camera_obj}: {len(summary.accepted)} accepted, "
            f"{len(summary.duplicates)} duplicate, {len(summary.rejected)} rejected."
        )
        for name, code, message in summary.rejected:
            self.stdout.write(f"  rejected {name}: {code}: {message}")
        if summary.rejected and not (summary.accepted or summary.duplicates):
            raise CommandError("No file could be imported.")
