"""PostgreSQL: `pg_dump` in custom format (-Fc) and `pg_restore`, connected like Django is.

The connection goes to the client tools in libpq's PG* variables, built from the same settings
dict Django connects with, so they reach the very database Django uses (under tests, the test
database). The password travels only in PGPASSWORD: a command line is visible to every user
of the machine (`ps`), the environment of a process only to its owner.
"""

import copy
import os
import shutil
import subprocess
from pathlib import Path

from django.db import DatabaseError
from django.db.utils import load_backend

from .exceptions import BackupError

# The libpq keywords Django's OPTIONS may carry that matter for reaching the server.
OPTION_VARIABLES = {
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}


def client_environment(database: dict) -> dict[str, str]:
    """The environment for pg_dump and pg_restore: ours, with Django's settings as PG* variables.

    What the settings leave empty stays as the environment has it, as it does for Django's own
    connection (libpq reads the same variables).
    """
    options = database.get("OPTIONS") or {}
    values = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        **{variable: options.get(key) for key, variable in OPTION_VARIABLES.items()},
    }
    return {**os.environ, **{name: str(value) for name, value in values.items() if value}}


def client_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools, of the server's major version "
            "or newer (Debian: apt-get install postgresql-client), or put them on PATH."
        )
    return path


def _run(args: list[str], database: dict) -> str:
    result = subprocess.run(  # noqa: S603 (a fixed tool, no shell, arguments of our own)
        args, env=client_environment(database), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tool = Path(args[0]).name
        raise BackupError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip()}")
    return result.stdout


def tables(database: dict) -> list[str]:
    """The tables and views in the database (the schemas on its search path)."""
    wrapper = load_backend(database["ENGINE"]).DatabaseWrapper(
        copy.deepcopy(database), alias="operations"
    )
    try:
        with wrapper.cursor() as cursor:
            return wrapper.introspection.table_names(cursor, include_views=True)
    except DatabaseError as error:
        raise BackupError(f"Cannot reach {describe(database)}: {error}".strip()) from error
    finally:
        wrapper.close()


def dump(database: dict, path: Path) -> None:
    """pg_dump -Fc into `path`, then read the archive's table of contents back as a check."""
    pg_dump, pg_restore = client_tool("pg_dump"), client_tool("pg_restore")
    _run([pg_dump, "--format=custom", "--no-password", f"--file={path}"], database)
    _run([pg_restore, "--list", str(path)], database)


def restore(database: dict, path: Path, *, replace: bool) -> None:
    """pg_restore in one transaction: it all arrives, or nothing changes.

    Objects are owned by the user who restores (--no-owner): a backup restores onto a new
    server whose user has another name. `replace` first drops each object of the backup that
    is already there (--clean --if-exists), inside that same transaction.
    """
    args = [
        client_tool("pg_restore"),
        "--no-password",
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        f"--dbname={database['NAME']}",
    ]
    if replace:
        args += ["--clean", "--if-exists"]
    _run([*args, str(path)], database)


def describe(database: dict) -> str:
    host = database.get("HOST") or "the local socket"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"PostgreSQL database {database.get('NAME')} on {host}{port}"
