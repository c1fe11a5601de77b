from django.core.management.base import BaseCommand

from projects.services import originals_purge


class Command(BaseCommand):
    help = (
        "Delete every original past its retention (and any older than 30 days) from "
        "storage; the hourly task does the same."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is due; delete nothing."
        )

    def handle(self, *args, dry_run, **options):
        record = originals_purge(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{record.due} originals are due for deletion (dry run).")
        else:
            self.stdout.write(
                f"{record.deleted} of {record.due} due originals deleted"
                + (
                    f"; {record.failed} could not be deleted and stay due."
                    if record.failed
                    else "."
                )
            )
