from argparse import ArgumentTypeError
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from operations.backups import backup_create, backups_prune, describe, human_size
from operations.exceptions import BackupError


def days(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ArgumentTypeError("a whole number of days, 1 or more")
    return int(value)


class Command(BaseCommand):
    help = (
        "Back the database up into a timestamped file: pg_dump -Fc on PostgreSQL, SQLite's "
        "online backup in the embedded default (docs/operations.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dir",
            dest="directory",
            type=Path,
            default=None,
            help="Directory for the backup (default: backups/ beside manage.py).",
        )
        parser.add_argument(
            "--keep-days",
            type=days,
            default=None,
            metavar="DAYS",
            help="After the backup, delete the backups in that directory older than DAYS days.",
        )

    def handle(self, *args, directory: Path | None, keep_days: int | None, **options) -> None:
        # settings.DATABASES["default"] as Django connects with it (under tests: the test
        # database), so the backup is of the database the app uses.
        database = connections[DEFAULT_DB_ALIAS].settings_dict
        directory = (directory or Path(settings.BASE_DIR) / "backups").resolve()
        try:
            path = backup_create(database=database, directory=directory)
            removed = backups_prune(directory=directory, keep_days=keep_days) if keep_days else []
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = human_size(path.stat().st_size)
        self.stdout.write(
            self.style.SUCCESS(f"Backup of {describe(database)} written to {path} ({size}).")
        )
        if keep_days:
            names = "".join(f"\n  {old.name}" for old in removed)
            self.stdout.write(
                f"Removed {len(removed)} backup(s) older than {keep_days} days.{names}"
            )
