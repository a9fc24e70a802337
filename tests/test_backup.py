"""`manage.py backup` and `manage.py restore` (operations/): a backup restores into a fresh
database with every row and every stored PDF intact; restore refuses a database that is not
empty; a missing file, a missing pg_dump give a message, not a traceback.

On the database the run uses: PostgreSQL when DATABASE_URL points there (CI), with a scratch
database made beside the test database and dropped afterwards; SQLite otherwise, with a new
file. The round trip needs committed rows (pg_dump is another process, on its own connection):
hence transaction=True.
"""

import copy
import hashlib
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.utils import load_backend
from django.utils import timezone

from operations.backups import backup_create, backup_restore, backups_prune, human_size
from operations.exceptions import BackupError
from referrals.models import ReferralDocument

ROOT = Path(__file__).resolve().parent.parent
ON_POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def fresh_database(tmp_path):
    """The settings of a second, empty database: a scratch database on the same PostgreSQL
    server, or a new SQLite file. Yields its NAME (what `restore --into` takes) and settings."""
    settings = copy.deepcopy(connection.settings_dict)
    if not ON_POSTGRES:
        settings["NAME"] = str(tmp_path / "restored.sqlite3")
        yield settings
        return
    import psycopg
    from psycopg import sql

    name = f"loopbaan_restore_{uuid.uuid4().hex[:12]}"
    server = {
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    settings["NAME"] = name
    try:
        yield settings
    finally:
        with psycopg.connect(**server) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def contents(settings: dict) -> tuple[dict[str, int], dict[int, tuple[str, str]]]:
    """Every table's row count, and each stored document's (SHA-256 of its bytes, sha256 field)."""
    db = load_backend(settings["ENGINE"]).DatabaseWrapper(copy.deepcopy(settings), alias="peek")
    table = db.ops.quote_name(ReferralDocument._meta.db_table)
    try:
        with db.cursor() as cursor:
            counts = {}
            for name in db.introspection.table_names(cursor):
                cursor.execute(f"SELECT COUNT(*) FROM {db.ops.quote_name(name)}")
                counts[name] = cursor.fetchone()[0]
            cursor.execute(f"SELECT id, content, sha256 FROM {table}")
            documents = {
                pk: (hashlib.sha256(bytes(content)).hexdigest(), sha256)
                for pk, content, sha256 in cursor.fetchall()
            }
    finally:
        db.close()
    return counts, documents


def backup_into(directory: Path) -> Path:
    out = StringIO()
    call_command("backup", "--dir", str(directory), stdout=out)
    (path,) = directory.iterdir()
    assert f"written to {path} ({human_size(path.stat().st_size)})" in out.getvalue()
    return path


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_every_row_and_document(
    tmp_path, fresh_database
):
    call_command("seed_demo", stdout=StringIO())  # with documents: the stored PDFs
    before, documents = contents(connection.settings_dict)
    assert documents, "the demo made no documents"
    assert all(hashed == stored for hashed, stored in documents.values())
    assert before["referrals_referral"] > 0

    backup = backup_into(tmp_path / "backups")
    assert backup.suffix == (".dump" if ON_POSTGRES else ".sqlite3")
    assert backup.stat().st_mode & 0o077 == 0, "a backup holds patient data: owner only"

    out = StringIO()
    call_command("restore", str(backup), "--into", fresh_database["NAME"], stdout=out)
    assert f"{len(before)} tables" in out.getvalue()
    assert contents(fresh_database) == (before, documents)

    # Now the scratch database is not empty: refused without force, replaced with it.
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(backup), "--into", fresh_database["NAME"])
    call_command("restore", str(backup), "--into", fresh_database["NAME"], "--force")
    assert contents(fresh_database) == (before, documents)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    backup = backup_into(tmp_path)
    # The test database has every table (migrated), even without a row.
    with pytest.raises(CommandError, match="is not empty .*--force"):
        call_command("restore", str(backup))


def test_restoring_a_missing_file_says_so():
    with pytest.raises(CommandError, match="Backup file not found: .*no-such-backup.dump"):
        call_command("restore", "backups/no-such-backup.dump")


def test_a_missing_file_is_a_message_not_a_traceback():
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", "backups/no-such-backup.dump"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Backup file not found: backups/no-such-backup.dump" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_that_is_no_backup_is_refused(tmp_path):
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a backup")
    with pytest.raises(BackupError, match="is not a Loopbaan backup"):
        backup_restore(database=connection.settings_dict, path=not_a_backup)


POSTGRES_SETTINGS = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "loopbaan",
    "USER": "loopbaan",
    "PASSWORD": "secret",
    "HOST": "127.0.0.1",
    "PORT": "5432",
    "OPTIONS": {},
}


def test_without_pg_dump_the_backup_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BackupError, match="pg_dump not found: install the PostgreSQL client"):
        backup_create(database=POSTGRES_SETTINGS, directory=tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == [], "no half-made backup left behind"


def test_without_pg_restore_the_restore_says_what_to_install(tmp_path, monkeypatch):
    dump = tmp_path / "loopbaan-20260101-013000.dump"
    dump.write_bytes(b"PGDMP\x01\x0f")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr("operations.postgres.tables", lambda database: [])
    with pytest.raises(BackupError, match="pg_restore not found"):
        backup_restore(database=POSTGRES_SETTINGS, path=dump)


def test_the_password_reaches_pg_dump_in_the_environment_only(tmp_path, monkeypatch):
    calls = []

    def fake_run(args, *, env, **kwargs):
        calls.append((args, env))
        Path(args[-1].removeprefix("--file=")).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr("operations.postgres.client_tool", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr("operations.postgres.subprocess.run", fake_run)
    backup_create(database=POSTGRES_SETTINGS, directory=tmp_path)
    (dump_args, env), _list = calls
    assert "secret" not in " ".join(dump_args)
    assert "--format=custom" in dump_args
    assert env["PGPASSWORD"] == "secret"
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
        "127.0.0.1",
        "5432",
        "loopbaan",
        "loopbaan",
    )


def test_pruning_deletes_only_backups_older_than_the_days_kept(tmp_path):
    now = timezone.make_aware(datetime(2026, 11, 27, 2, 30))
    names = {
        days: f"loopbaan-{(now - timedelta(days=days)).strftime('%Y%m%d-%H%M%S')}.dump"
        for days in (0, 13, 14.5, 30)
    }
    for name in [*names.values(), "notes.txt", "loopbaan-20200101-000000.dump.partial"]:
        (tmp_path / name).write_bytes(b"")

    removed = backups_prune(directory=tmp_path, keep_days=14, now=now)

    assert {path.name for path in removed} == {
        names[14.5],
        names[30],
        "loopbaan-20200101-000000.dump.partial",
    }
    assert {path.name for path in tmp_path.iterdir()} == {names[0], names[13], "notes.txt"}
