import copy
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from operations.backups import backup_restore, describe
from operations.exceptions import BackupError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database: pg_restore on "
        "PostgreSQL, SQLite's backup API in the embedded default (docs/operations.md). "
        "Stop the app first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The backup file (.dump or .sqlite3).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore into a database that is not empty: the backup replaces what is there.",
        )
        parser.add_argument(
            "--into",
            metavar="NAME",
            help=(
                "Restore into this database on the same server (SQLite: this file) instead of "
                "the configured one; to test a restore without touching the real database."
            ),
        )

    def handle(self, *args, file: Path, force: bool, into: str | None, **options) -> None:
        # settings.DATABASES["default"] as Django connects with it; a copy, as --into changes it.
        database = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
        if into:
            database["NAME"] = into
        try:
            tables = backup_restore(database=database, path=file, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Restored {file} into {describe(database)}: {len(tables)} tables.")
        )
