"""Backup and restore of the database, whichever way Loopbaan runs (docs/operations.md).

Plain functions that `manage.py backup` and `manage.py restore` call. Each takes `database`, a
settings dict as Django connects with it (`connections["default"].settings_dict`, which is
`settings.DATABASES["default"]` from DATABASE_URL); a copy with another NAME reaches another
database on the same server, or another SQLite file.

A backup is one file named after its time, `loopbaan-YYYYMMDD-HHMMSS` in local time: `.dump`
(pg_dump custom format) on PostgreSQL, `.sqlite3` (a SQLite database) in the embedded default.
It is written under a `.partial` name and renamed when complete, so a half-written file never
looks like a backup, and it is readable by its owner only: it holds every patient's record.
"""

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

from django.utils import timezone

from . import postgres, sqlite
from .exceptions import BackupError

ENGINES = {"postgresql": postgres, "sqlite3": sqlite}
SUFFIXES = {postgres: ".dump", sqlite: ".sqlite3"}
# The first bytes of each kind of backup file.
SIGNATURES = {postgres: b"PGDMP", sqlite: b"SQLite format 3\x00"}
ENGINE_NAMES = {postgres: "PostgreSQL", sqlite: "SQLite"}

STAMP = "%Y%m%d-%H%M%S"
BACKUP_NAME = re.compile(r"loopbaan-(\d{8}-\d{6})\.(?:dump|sqlite3)(?:\.partial)?")


def _engine(database: dict) -> ModuleType:
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    if engine not in ENGINES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {database['ENGINE']}.")
    return ENGINES[engine]


def describe(database: dict) -> str:
    """Which database this is, for messages: never the password."""
    return _engine(database).describe(database)


def backup_create(*, database: dict, directory: Path, now: datetime | None = None) -> Path:
    """Back the database up into a new file in `directory`; returns its path."""
    engine = _engine(database)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = timezone.localtime(now).strftime(STAMP)
    path = directory / f"loopbaan-{stamp}{SUFFIXES[engine]}"
    if path.exists():
        raise BackupError(f"{path} already exists; try again in a second.")
    partial = path.with_name(path.name + ".partial")
    try:
        # Created empty, owner-only and new (O_EXCL), before the tool writes into it.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError as error:
        raise BackupError(f"Another backup is writing {partial}.") from error
    try:
        engine.dump(database, partial)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def backups_prune(*, directory: Path, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete the backups in `directory` older than `keep_days` days, by the time in their name.

    Only files named like a backup are touched; returns the paths deleted.
    """
    cutoff = timezone.localtime(now).replace(tzinfo=None) - timedelta(days=keep_days)
    removed = []
    for path in sorted(directory.iterdir()):
        match = BACKUP_NAME.fullmatch(path.name)
        if match and path.is_file() and datetime.strptime(match[1], STAMP) < cutoff:
            path.unlink()
            removed.append(path)
    return removed


def backup_kind(path: Path) -> ModuleType:
    """The engine whose backup this file is, from its first bytes."""
    try:
        with path.open("rb") as file:
            head = file.read(max(len(signature) for signature in SIGNATURES.values()))
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from error
    for engine, signature in SIGNATURES.items():
        if head.startswith(signature):
            return engine
    raise BackupError(
        f"{path} is not a Loopbaan backup: neither a pg_dump custom-format archive"
        " nor a SQLite database."
    )


def backup_restore(*, database: dict, path: Path, force: bool = False) -> list[str]:
    """Restore the backup at `path` into the database; returns the tables it now has.

    Only into an empty database (no tables), unless `force`: then what the backup holds
    replaces what is there.
    """
    if not path.is_file():
        raise BackupError(f"Backup file not found: {path}")
    engine = _engine(database)
    kind = backup_kind(path)
    if kind is not engine:
        raise BackupError(
            f"{path} is a {ENGINE_NAMES[kind]} backup, but the database is"
            f" {ENGINE_NAMES[engine]}: restore it where it was made."
        )
    existing = engine.tables(database)
    if existing and not force:
        raise BackupError(
            f"{describe(database)} is not empty ({len(existing)} tables). Restore into an empty"
            " database, or force it (--force; make restore FORCE=1) to replace what is there"
            " with the backup."
        )
    engine.restore(database, path, replace=bool(existing))
    return engine.tables(database)


def human_size(size: int) -> str:
    units = ("bytes", "kB", "MB", "GB", "TB")
    value, unit = float(size), 0
    while value >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    return f"{size} bytes" if unit == 0 else f"{value:.1f} {units[unit]}"
