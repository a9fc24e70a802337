"""SQLite (the embedded default): the online backup API of Python's sqlite3.

`Connection.backup` copies a consistent snapshot page by page while the app keeps running (in
WAL mode readers never block). The backup is one self-contained file in rollback-journal mode,
so it needs no -wal or -shm file beside it; Django puts a restored database back into WAL mode
when it next connects (config/settings.py, init_command).
"""

import logging
import sqlite3
from pathlib import Path

from .exceptions import BackupError

logger = logging.getLogger(__name__)

# Files SQLite keeps beside a database. Beside a database that is gone they are left over from
# it, and SQLite would replay them into a new file of that name.
COMPANIONS = ("-wal", "-shm", "-journal")


def _file(database: dict) -> Path | None:
    """The database file; None for an in-memory database (the test database by default)."""
    name = str(database["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _connect(target: str) -> sqlite3.Connection:
    # uri=True as Django does: a plain path stays a path, "file:...?mode=memory" is a URI.
    return sqlite3.connect(target, uri=True)


def _check(connection: sqlite3.Connection, what: str) -> None:
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{what} is not a readable SQLite database: {error}") from error
    if result != "ok":
        raise BackupError(f"{what} is damaged (quick_check: {result}).")


def tables(database: dict) -> list[str]:
    path = _file(database)
    if path is not None and (not path.exists() or path.stat().st_size == 0):
        return []
    connection = _connect(str(database["NAME"]))
    try:
        rows = connection.execute(
            "SELECT name FROM sqlite_master"
            " WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        ).fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"Cannot read {describe(database)}: {error}") from error
    finally:
        connection.close()
    return sorted(name for (name,) in rows)


def dump(database: dict, path: Path) -> None:
    source_file = _file(database)
    if source_file is not None and not source_file.is_file():
        raise BackupError(f"There is no database to back up: {source_file} does not exist.")
    source = _connect(str(database["NAME"]))
    target = sqlite3.connect(path)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        _check(target, f"The backup {path}")
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite backup failed: {error}") from error
    finally:
        target.close()
        source.close()


def restore(database: dict, path: Path, *, replace: bool) -> None:
    """Copy the backup over the database file in one step (the backup API replaces all of it).

    `replace` needs nothing extra here: the copy overwrites every page of an existing database.
    """
    target_file = _file(database)
    if target_file is not None and not target_file.exists():
        for suffix in COMPANIONS:
            stale = target_file.with_name(target_file.name + suffix)
            if stale.exists():
                logger.warning("Removing %s, left over from a database that is gone.", stale)
                stale.unlink()
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        _check(source, f"The backup {path}")
        target = _connect(str(database["NAME"]))
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite restore failed: {error}") from error
    finally:
        source.close()


def describe(database: dict) -> str:
    path = _file(database)
    return f"SQLite file {path.resolve()}" if path else f"SQLite database {database['NAME']}"
