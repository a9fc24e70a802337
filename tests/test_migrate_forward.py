"""A database made before the apps were split into rooms migrates forward with every row kept.

The old tree (git archive of BEFORE_ROOMS) migrates a fresh SQLite file and fills it with the
demo data; the current tree's migrations then run on that same file. Every row of every old
table must still be there, unchanged in its old columns (new columns and new tables are fine).
Content types and permissions may be relabelled by a move, so only their ids must survive.

Everything runs in subprocesses with the same interpreter: the old code never shares a process
with this one's Django. No PostgreSQL needed, whatever DATABASE_URL says outside.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections import Counter
from importlib import import_module
from pathlib import Path

import pytest

# The last commit before the apps were split into rooms.
BEFORE_ROOMS = "e1403a9efcd20d62c421aaaab67ae401abe18a6e"

REPO_ROOT = Path(__file__).resolve().parent.parent

# Tables whose rows a move between apps may relabel: only the ids of their old rows must stay.
IDS_ONLY = ("django_content_type", "auth_permission")
# Django's own bookkeeping of applied migrations changes by design.
SKIPPED = ("django_migrations",)
# Columns whose values moved to another table; the test checks they arrived there.
FITNESS_OLD_TO_NEW = import_module("referrals.migrations.0011_fitness_check_old_answers").OLD_TO_NEW
MOVED_COLUMNS = {
    "outcomes_safetyalert": ("gp_notified_at",),
    # The seven old yes/no answers became the beweegcheck's q1..q7 (referrals 0011), checked
    # below; the columns went (0012).
    "referrals_fitnesscheck": tuple(FITNESS_OLD_TO_NEW),
    # Set for every started therapy from its start (referrals 0013, therapy 0004); a date that
    # was there stays, checked below.
    # A one-line medication text became a ReferralMedication row (referrals 0015), checked
    # below; a longer one stays.
    "referrals_referral": ("follow_up_due", "medication"),
    # "reintegrating" became re-integration track 1 (referrals 0016), checked below.
    "referrals_followup": ("work_status",),
}
FOLLOW_UP_WORK = import_module("referrals.migrations.0016_follow_up_full").OLD_WORK
MEDICATION = import_module("referrals.migrations.0015_medication_to_rows")
# The complaints became ICPC codes (referrals 0009, dashboard 0002): the rows are expected with
# the codes the migration gave them, not with the old words.
ICPC = import_module("referrals.migrations.0009_icpc_complaints").FORWARD

COMMAND_TIMEOUT = 600  # seconds, per manage.py command
SHOWN_ROWS = 5  # missing rows named in a failure message


def _unavailable(reason: str) -> None:
    """Without git or the old commit: fail in CI, skip elsewhere."""
    if os.environ.get("CI") or os.environ.get("LOOPBAAN_REQUIRE_BROWSER"):
        pytest.fail(
            f"{reason}; the forward migration test needs it"
            " when CI or LOOPBAAN_REQUIRE_BROWSER is set"
        )
    pytest.skip(reason)


def _extract_old_tree(dest: Path) -> None:
    """`git archive BEFORE_ROOMS | tar -x -C dest`."""
    git = shutil.which("git")
    if git is None:
        _unavailable("git is not installed")
    found = subprocess.run(
        [git, "-C", str(REPO_ROOT), "cat-file", "-e", f"{BEFORE_ROOMS}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        _unavailable(
            f"commit {BEFORE_ROOMS} is not in the repository at {REPO_ROOT} "
            f"(a shallow clone?): {found.stderr.strip()}"
        )
    dest.mkdir(parents=True)
    archive = subprocess.run(
        [git, "-C", str(REPO_ROOT), "archive", "--format=tar", BEFORE_ROOMS],
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        f"git archive {BEFORE_ROOMS} failed:\n{archive.stderr.decode(errors='replace')}"
    )
    tar = dest.parent / "old.tar"
    tar.write_bytes(archive.stdout)
    with tarfile.open(tar) as archive_file:
        archive_file.extractall(dest, filter="data")
    tar.unlink()
    assert (dest / "manage.py").is_file(), f"no manage.py in the archive of {BEFORE_ROOMS}"


def _environment(db_path: Path, *, drop_pythonpath: bool) -> dict[str, str]:
    """The outer environment, pointed at the SQLite file, eager tasks and console email."""
    env = dict(os.environ)
    # CI exports a PostgreSQL DATABASE_URL and a REDIS_URL; neither may leak in.
    env["DATABASE_URL"] = f"sqlite:///{db_path.resolve()}"  # sqlite:////abs/path
    env.pop("REDIS_URL", None)  # unset: Celery runs tasks at once, in-process
    env["EMAIL_URL"] = "consolemail://"  # the demo's notifications are printed, never sent
    env["DJANGO_DEBUG"] = "1"  # the embedded secret key; no manifest static files
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if drop_pythonpath:
        # The old tree must import its own apps only: its manage.py directory comes first.
        env.pop("PYTHONPATH", None)
    return env


def _manage(tree: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )


def _output(result: subprocess.CompletedProcess) -> str:
    return (
        f"exit {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n"
        f"--- stderr ---\n{result.stderr}"
    )


def _run(tree: Path, env: dict[str, str], *args: str) -> None:
    result = _manage(tree, env, *args)
    where = "old tree" if tree != REPO_ROOT else "current tree"
    command = " ".join(args)
    assert result.returncode == 0, f"manage.py {command} ({where}) failed:\n{_output(result)}"


def _snapshot(db_path: Path) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Per table: its column names and all its rows, sorted."""
    connection = sqlite3.connect(db_path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if name not in SKIPPED
        ]
        snapshot = {}
        for table in sorted(tables):
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            columns = tuple(column[0] for column in cursor.description)
            snapshot[table] = (columns, sorted(cursor.fetchall(), key=repr))
        return snapshot
    finally:
        connection.close()


def _old_columns_now(db_path: Path, table: str, columns: tuple[str, ...]) -> list[tuple] | str:
    """The table's rows now, only the old columns; or why they can't be read."""
    connection = sqlite3.connect(db_path)
    try:
        now = {row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')}
        if not now:
            return "the table is gone"
        gone = [column for column in columns if column not in now]
        if gone:
            return f"columns {gone} are gone"
        selected = ", ".join(f'"{column}"' for column in columns)
        return connection.execute(f'SELECT {selected} FROM "{table}"').fetchall()
    finally:
        connection.close()


def _as_icpc(table: str, columns: tuple[str, ...], rows: list[tuple]) -> list[tuple]:
    """The rows as the ICPC migration means to leave them."""
    at = {column: i for i, column in enumerate(columns)}
    if table in ("referrals_referral", "referrals_reportfact"):
        out = []
        for row in rows:
            row = list(row)
            main = row[at["complaint"]] = ICPC.get(row[at["complaint"]], row[at["complaint"]])
            if "other_complaints" in at:
                others = [ICPC.get(v, v) for v in json.loads(row[at["other_complaints"]] or "[]")]
                others = [c for c in dict.fromkeys(others) if c and c != main]
                row[at["other_complaints"]] = json.dumps(others)
            out.append(tuple(row))
        return out
    if table == "referrals_reportcell":
        kept, groups = [], {}
        for row in sorted(rows, key=lambda r: r[at["id"]]):
            if row[at["dimension"]] != "complaint" or row[at["value"]] not in ICPC:
                kept.append(row)
                continue
            key = (row[at["scope"]], row[at["scope_id"]], row[at["month"]], ICPC[row[at["value"]]])
            groups.setdefault(key, []).append(row)
        for (_scope, _scope_id, _month, code), found in groups.items():
            first = list(found[0])
            first[at["value"]], first[at["n"]] = code, sum(r[at["n"]] for r in found)
            kept.append(tuple(first))
        return kept
    return rows


def _differences(before: dict, db_path: Path) -> list[str]:
    problems = []
    for table, (columns, rows) in before.items():
        rows = _as_icpc(table, columns, rows)
        if table in IDS_ONLY:
            if "id" not in columns:
                problems.append(f"{table}: no id column before the migration")
                continue
            now = _old_columns_now(db_path, table, ("id",))
            if isinstance(now, str):
                problems.append(f"{table}: {now}")
                continue
            id_index = columns.index("id")
            missing = {row[id_index] for row in rows} - {row[0] for row in now}
            if missing:
                shown = sorted(missing)[:SHOWN_ROWS]
                problems.append(
                    f"{table}: {len(missing)} of {len(rows)} old ids are gone, e.g. {shown}"
                )
            continue
        if table in MOVED_COLUMNS:
            kept = [i for i, c in enumerate(columns) if c not in MOVED_COLUMNS[table]]
            columns = tuple(columns[i] for i in kept)
            rows = [tuple(row[i] for i in kept) for row in rows]
        now = _old_columns_now(db_path, table, columns)
        if isinstance(now, str):
            problems.append(f"{table} ({len(rows)} rows before): {now}")
            continue
        # A multiset difference: a duplicated row that lost one copy counts too.
        missing = Counter(rows) - Counter(now)
        if missing:
            shown = [dict(zip(columns, row, strict=True)) for row in sorted(missing, key=repr)]
            problems.append(
                f"{table}: {sum(missing.values())} of {len(rows)} rows are missing or changed, "
                f"e.g. {shown[:SHOWN_ROWS]}"
            )
    return problems


def test_demo_database_from_before_rooms_migrates_forward_with_every_row(tmp_path):
    old_tree = tmp_path / "old"
    db_path = tmp_path / "db.sqlite3"
    _extract_old_tree(old_tree)

    old_env = _environment(db_path, drop_pythonpath=True)
    _run(old_tree, old_env, "migrate", "--noinput")
    _run(old_tree, old_env, "seed_demo")
    before = _snapshot(db_path)
    assert sum(len(rows) for _, rows in before.values()) > 0, "the demo data left no rows"
    assert any(table.startswith("referrals_") and rows for table, (_, rows) in before.items())

    env = _environment(db_path, drop_pythonpath=False)
    _run(REPO_ROOT, env, "migrate", "--noinput")

    problems = _differences(before, db_path)
    assert not problems, "Rows lost by the forward migration:\n" + "\n".join(problems)

    # Each safety alert's GP e-mail moved from the alert into the outbox, sent when it was.
    columns, alerts = before["outcomes_safetyalert"]
    assert alerts, "the demo data raised no safety alert"
    db = sqlite3.connect(db_path)
    try:
        emails = dict(
            db.execute(
                "SELECT key, sent_at FROM referrals_notification WHERE kind = 'safety_alert'"
            ).fetchall()
        )
    finally:
        db.close()
    for alert in alerts:
        row = dict(zip(columns, alert, strict=True))
        assert emails[f"alert-{row['id']}"] == row["gp_notified_at"], row

    # The old fitness answers are the new check's q1..q7, marked as the old version.
    columns, checks = before["referrals_fitnesscheck"]
    db = sqlite3.connect(db_path)
    try:
        now = {
            pk: (answers, version)
            for pk, answers, version in db.execute(
                "SELECT id, answers, version FROM referrals_fitnesscheck"
            )
        }
        due_now = dict(db.execute("SELECT id, follow_up_due FROM referrals_referral").fetchall())
    finally:
        db.close()
    assert checks, "the demo data had no fitness check"
    for check in checks:
        row = dict(zip(columns, check, strict=True))
        answers, version = now[row["id"]]
        expected = {new: bool(row[old]) for old, new in FITNESS_OLD_TO_NEW.items()}
        assert (json.loads(answers), version) == (expected, "legacy"), row
    columns, referrals = before["referrals_referral"]
    for referral in referrals:
        row = dict(zip(columns, referral, strict=True))
        if row["follow_up_due"] is not None:
            assert due_now[row["id"]] == row["follow_up_due"], row

    # The old free-text medication: a one-line text is the name of one row now, the note empty;
    # a longer text is still the note.
    db = sqlite3.connect(db_path)
    try:
        note_now = dict(db.execute("SELECT id, medication FROM referrals_referral").fetchall())
        rows_now = db.execute(
            "SELECT referral_id, name, dose, since FROM referrals_referralmedication"
        ).fetchall()
    finally:
        db.close()
    expected_rows = []
    for referral in referrals:
        row = dict(zip(columns, referral, strict=True))
        if MEDICATION.fits_a_row(row["medication"]):
            expected_rows.append((row["id"], row["medication"].strip(), "", ""))
            assert note_now[row["id"]] == "", row
        else:
            assert note_now[row["id"]] == row["medication"], row
    assert expected_rows, "the demo data had no one-line medication"
    assert sorted(rows_now) == sorted(expected_rows)

    # The follow-ups' work answers in the Dutch sick-leave terms (referrals 0016).
    db = sqlite3.connect(db_path)
    try:
        work_now = dict(db.execute("SELECT id, work_status FROM referrals_followup").fetchall())
    finally:
        db.close()
    columns_fu, follow_ups = before["referrals_followup"]
    assert follow_ups, "the demo data had no follow-up"
    for follow_up in follow_ups:
        row = dict(zip(columns_fu, follow_up, strict=True))
        old = row["work_status"]
        assert work_now[row["id"]] == FOLLOW_UP_WORK.get(old, old), row

    # Every sent referral got its recipient from the history (referrals 0007): the old demo sent
    # each once, to the therapist it still names, with the letter it stored.
    db = sqlite3.connect(db_path)
    try:
        sent = dict(
            db.execute(
                "SELECT r.id, r.therapist_id FROM referrals_referral r WHERE EXISTS"
                " (SELECT 1 FROM referrals_referralevent e"
                "  WHERE e.referral_id = r.id AND e.to_status = 'sent')"
            ).fetchall()
        )
        recipients = db.execute(
            "SELECT referral_id, therapist_id, letter_id FROM referrals_referralrecipient"
        ).fetchall()
        letters = dict(
            db.execute(
                "SELECT referral_id, id FROM referrals_referraldocument WHERE kind = 'letter'"
            ).fetchall()
        )
    finally:
        db.close()
    assert sent, "the demo data sent no referral"
    assert sorted(recipients) == sorted(
        (referral, therapist, letters.get(referral)) for referral, therapist in sent.items()
    )

    check = _manage(REPO_ROOT, env, "migrate", "--check")
    assert check.returncode == 0, "Unapplied migrations after migrating:\n" + _output(check)

    # The moved models' content types moved with them (same ids), so permissions and admin log
    # entries still point at the right model, and no stale content type is left behind.
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute("SELECT id, app_label, model FROM django_content_type").fetchall()
    finally:
        db.close()
    labels = {pk: (app, model) for pk, app, model in rows}
    old_labels = {row[0]: (row[1], row[2]) for row in before["django_content_type"][1]}
    moved = {
        ("therapists", "intake"): ("therapy", "intake"),
        ("therapists", "screening"): ("therapy", "screening"),
        ("therapists", "therapysession"): ("therapy", "therapysession"),
        ("referrals", "therapyreport"): ("therapy", "therapyletter"),
        ("referrals", "notification"): ("notifications", "notification"),
        ("referrals", "reminderrun"): ("notifications", "reminderrun"),
        ("referrals", "reportfact"): ("dashboard", "countfact"),
        ("referrals", "reportcell"): ("dashboard", "countcell"),
    }
    for pk, old in old_labels.items():
        assert labels[pk] == moved.get(old, old), f"content type {pk} {old} is now {labels[pk]}"
