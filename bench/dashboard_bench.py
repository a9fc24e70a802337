"""How fast the reports answer over a million referrals, against a trivial Django view.

    DJANGO_DEBUG=1 .venv/bin/python bench/dashboard_bench.py [--referrals 1000000]
        [--practices 200] [--runs 25] [--admin-runs 5] [--database loopbaan_dashboard_bench]
        [--reuse] [--pg-options "-c jit=off"]

Seeds its own PostgreSQL database (dropped and created again unless --reuse finds it seeded
with the same numbers): practices with five GPs and a manager each, therapists, one patient per
referral, referrals sent over the last two years and walked along the lifecycle as far as their
dates allow, PHQ-9/GAD-7 totals for the therapies and the GPs' follow-ups. Rows go in with COPY;
foreign-key triggers are off while loading (`session_replication_role = replica`), which is safe
because every id is generated from rows made in the same run.

Then it times, through Django's test client with `force_login` (full middleware, session and
user lookup; without the test harness's template instrumentation), the median of --runs
requests per view. A trivial view (`HttpResponse("ok")`) takes turns with the manager's
dashboard and CSV for one practice, so a busy machine slows them alike; the administrator's
dashboard and CSV over all practices run in a second round (--admin-runs), because their scans
would push the one practice's pages out of the caches.
Targets: one practice within 10x the trivial view; all practices under 1 s.

The referrals go in with COPY, past the signals that keep the reports' pre-aggregated cells, so
the bench builds those with `referrals.report_cells.rebuild()` (what `manage.py rebuild_reports`
does) and prints how long that took.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
# Keep connections between requests, as production does; otherwise every request would pay
# for a new PostgreSQL connection and flatter the ratio.
os.environ.setdefault("DJANGO_CONN_MAX_AGE", "600")

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
WARM_UPS = 2
ONE_PRACTICE_RATIO = 10
ALL_PRACTICES_MS = 1000
GPS_PER_PRACTICE = 5
THERAPISTS = 300
THERAPISTS_PER_PRACTICE = 8
DAYS_OF_HISTORY = 730


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--practices", type=int, default=200)
    parser.add_argument("--runs", type=int, default=25, help="timed runs after 2 warm-ups")
    parser.add_argument("--admin-runs", type=int, default=5, help="runs over all practices")
    parser.add_argument("--database", default="loopbaan_dashboard_bench")
    parser.add_argument(
        "--server", default=os.environ.get("BENCH_POSTGRES", DEFAULT_SERVER), help="no database"
    )
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded alike")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument(
        "--pg-options",
        default="",
        help='server settings for the connection, e.g. "-c jit=off -c work_mem=64MB"',
    )
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    from urllib.parse import quote

    options = f"?options={quote(ARGS.pg_options)}" if ARGS.pg_options else ""
    os.environ["DATABASE_URL"] = f"{ARGS.server}/{ARGS.database}{options}"

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import JSONField  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Practice, User  # noqa: E402
from outcomes.models import QuestionnaireResponse  # noqa: E402
from patients.models import Patient  # noqa: E402
from referrals import report_cells  # noqa: E402
from referrals.dashboard import AMSTERDAM  # noqa: E402
from referrals.models import (  # noqa: E402
    Complaint,
    FollowUp,
    Funding,
    Purpose,
    Referral,
    ReportCell,
    Status,
)
from therapists.models import Therapist  # noqa: E402


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _reports_mounted() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("reports:dashboard", urlconf="config.urls")
    except NoReverseMatch:
        return False
    return True


# This module is the URLconf while timing: the trivial view, then the project's own URLs.
urlpatterns = [path("bench/trivial/", trivial)]
if not _reports_mounted():
    urlpatterns.append(path("reports/", include("referrals.dashboard_urls")))
urlpatterns.append(path("", include("config.urls")))


# --- The database -------------------------------------------------------------------------------


def recreate_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def database_exists(server: str, name: str) -> bool:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def seeded_as(args) -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM referrals_referral")
            referrals = cursor.fetchone()[0]
    except Exception:  # noqa: BLE001 - no tables yet
        return False
    return referrals == args.referrals and Practice.objects.count() == args.practices


def _columns(model, values: dict) -> tuple[list[str], dict]:
    """Every concrete column but the id, with model defaults for what `values` leaves out."""
    columns, defaults = [], {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.attname not in values:
            default = field.get_default()
            if isinstance(field, JSONField):
                default = json.dumps(default)
            defaults[field.column] = default
    return columns, defaults


def copy_rows(model, rows) -> int:
    """COPY `rows` (dicts by attname) into the model's table; returns how many."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    columns, defaults = _columns(model, first)
    by_column = {field.column: field.attname for field in model._meta.concrete_fields}
    order = [(by_column[column], defaults.get(column)) for column in columns]
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        sql = f'COPY "{model._meta.db_table}" ({", ".join(columns)}) FROM STDIN'
        with raw.copy(sql) as copy:
            for row in _chain(first, rows):
                copy.write_row([row.get(attname, default) for attname, default in order])
                count += 1
    return count


def _chain(first, rest):
    yield first
    yield from rest


def first_id(model) -> int:
    return model.objects.order_by("pk").values_list("pk", flat=True)[0]


# --- Seeding ------------------------------------------------------------------------------------

PATH = [
    Status.SENT,
    Status.ACCEPTED,
    Status.INTAKE_DONE,
    Status.IN_THERAPY,
    Status.COMPLETED,
    Status.FOLLOWED_UP,
]
TIMESTAMP = {
    Status.ACCEPTED: "accepted_at",
    Status.INTAKE_DONE: "intake_done_at",
    Status.IN_THERAPY: "therapy_started_at",
    Status.COMPLETED: "completed_at",
    Status.STOPPED: "stopped_at",
    Status.FOLLOWED_UP: "followed_up_at",
    Status.DECLINED: "declined_at",
    Status.CANCELLED: "cancelled_at",
    Status.NOT_CLEARED: "not_cleared_at",
}
STEP_DAYS = {
    Status.ACCEPTED: (1, 4),
    Status.INTAKE_DONE: (5, 20),
    Status.IN_THERAPY: (1, 3),
    Status.COMPLETED: (70, 90),
    Status.STOPPED: (14, 50),
    Status.FOLLOWED_UP: (7, 30),
    Status.DECLINED: (1, 4),
    Status.CANCELLED: (1, 20),
    Status.NOT_CLEARED: (1, 2),
}


def lifecycle(rng: random.Random, sent: datetime, now: datetime) -> dict:
    """Walk one referral along the lifecycle from `sent` as far as its dates allow."""
    fate = rng.random()
    steps = list(PATH)
    if fate < 0.05:
        steps = [Status.SENT, Status.DECLINED]
    elif fate < 0.09:
        steps = [Status.SENT, Status.ACCEPTED, Status.CANCELLED]
    elif fate < 0.11:
        steps = [Status.SENT, Status.ACCEPTED, Status.INTAKE_DONE, Status.NOT_CLEARED]
    elif fate < 0.25:
        steps = [*PATH[:4], Status.STOPPED, Status.FOLLOWED_UP]
    elif fate < 0.35:
        steps = PATH[:5]  # completed, follow-up not held
    row = {"sent_at": sent, "status": Status.SENT, "created_at": sent - timedelta(hours=2)}
    moment = sent
    for step in steps[1:]:
        low, high = STEP_DAYS[step]
        moment = moment + timedelta(days=rng.randint(low, high), hours=rng.randint(0, 8))
        if moment > now:
            break
        row[TIMESTAMP[step]] = moment
        row["status"] = step
        if step == Status.INTAKE_DONE:
            row["intake_date"] = timezone.localtime(moment, AMSTERDAM).date()
    row["updated_at"] = moment if moment <= now else now
    return row


def seed(args) -> dict[str, int]:
    rng = random.Random(args.seed)
    now = timezone.now()
    practices = Practice.objects.bulk_create(
        Practice(
            name=f"Benchpraktijk {i:03d}",
            agb_code=f"{90000000 + i}",
            address=f"Benchstraat {i}",
            postcode="9999 ZZ",
            city="Benchstad",
            phone="099 999 99 99",
        )
        for i in range(args.practices)
    )
    users = [
        User(
            email=f"gp{p}-{g}@bench.example.org",
            first_name=f"Huisarts{g}",
            last_name=f"Praktijk{p:03d}",
            role=User.Role.GP,
            practice=practice,
            password="!",
        )
        for p, practice in enumerate(practices)
        for g in range(GPS_PER_PRACTICE)
    ]
    users += [
        User(
            email=f"manager{p}@bench.example.org",
            role=User.Role.PRACTICE_MANAGER,
            practice=practice,
            password="!",
        )
        for p, practice in enumerate(practices)
    ]
    users += [
        User(
            email=f"therapist{t}@bench.example.org",
            first_name="Therapeut",
            last_name=f"{t:03d}",
            role=User.Role.THERAPIST,
            password="!",
        )
        for t in range(THERAPISTS)
    ]
    users.append(User(email="admin@bench.example.org", role=User.Role.ADMIN, password="!"))
    User.objects.bulk_create(users)
    gps = {
        practice.pk: list(
            User.objects.filter(practice=practice, role=User.Role.GP).values_list("pk", flat=True)
        )
        for practice in practices
    }
    therapist_users = list(
        User.objects.filter(role=User.Role.THERAPIST).order_by("pk").values_list("pk", flat=True)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(
            user_id=user_id,
            profession=Therapist.Profession.PHYSIOTHERAPIST,
            organisation=f"Benchfysio {t}",
            certificate_number=f"RT-BENCH-{t:05d}",
            certificate_date=date(2020, 1, 1),
            is_verified=True,
            verified_by_id=user_id,
            verified_at=now,
            address="Looppad 1",
            postcode="9999 ZZ",
            city="Benchstad",
        )
        for t, user_id in enumerate(therapist_users)
    )
    therapist_user = {therapist.pk: therapist.user_id for therapist in therapists}
    therapist_ids = list(therapist_user)
    networks = {
        practice.pk: [
            therapist_ids[(p * 3 + k) % len(therapist_ids)] for k in range(THERAPISTS_PER_PRACTICE)
        ]
        for p, practice in enumerate(practices)
    }

    # One patient per referral, spread evenly over the practices.
    practice_of = [practices[i % len(practices)].pk for i in range(args.referrals)]
    copy_rows(
        Patient,
        (
            {
                "practice_id": practice_of[i],
                "bsn": f"{i:09d}",
                "initials": "B.",
                "first_name": "Bench",
                "surname": f"Patient {i}",
                "date_of_birth": date(1980, 1, 1),
                "sex": "other",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(args.referrals)
        ),
    )
    patient_start = first_id(Patient)

    complaints, purposes = list(Complaint.values), list(Purpose.values)
    fundings = list(Funding.values)
    history = timedelta(days=DAYS_OF_HISTORY).total_seconds()
    lifecycles: list[dict] = []

    def referrals():
        for i in range(args.referrals):
            sent = now - timedelta(seconds=rng.random() * history)
            row = lifecycle(rng, sent, now)
            # A practice refers to the therapists nearby: a network of its own, shared in part.
            network = networks[practice_of[i]]
            therapist_id = network[int(rng.random() * len(network))]
            lifecycles.append(
                {
                    "intake_date": row.get("intake_date"),
                    "started": "therapy_started_at" in row,
                    "end": row.get("completed_at") or row.get("stopped_at"),
                    "stopped": "stopped_at" in row,
                    "followed_up_at": row.get("followed_up_at"),
                    "therapist_user": therapist_user[therapist_id],
                    "gp": None,
                }
            )
            gp = rng.choice(gps[practice_of[i]])
            lifecycles[-1]["gp"] = gp
            yield {
                **row,
                "patient_id": patient_start + i,
                "practice_id": practice_of[i],
                "gp_id": gp,
                "therapist_id": therapist_id,
                "consent_given": True,
                "complaint": complaints[i % len(complaints)],
                "purpose": purposes[i % len(purposes)],
                "funding": fundings[i % len(fundings)],
                "severity": "mild",
                "question": "Bench.",
            }

    copy_rows(Referral, referrals())
    referral_start = first_id(Referral)

    def questionnaires():
        today = timezone.localdate(now, AMSTERDAM)
        for i, item in enumerate(lifecycles):
            if not item["started"] or item["intake_date"] is None:
                continue
            end = timezone.localdate(item["end"], AMSTERDAM) if item["end"] else today
            base_phq, base_gad = rng.randint(8, 22), rng.randint(6, 18)
            for week in (0, 5, 10):
                due = item["intake_date"] + timedelta(weeks=week)
                if due > end or rng.random() < 0.12:
                    continue
                for code, base, top in (("PHQ-9", base_phq, 27), ("GAD-7", base_gad, 21)):
                    total = max(0, min(top, base - week // 5 * rng.randint(0, 5)))
                    yield {
                        "referral_id": referral_start + i,
                        "instrument": code,
                        "instrument_version": "1",
                        "week": week,
                        "answers": "[]",
                        "total": total,
                        "band": "mild",
                        "completed_on": due,
                        "entered_by_id": item["therapist_user"],
                        "created_at": now,
                    }

    responses = copy_rows(QuestionnaireResponse, questionnaires())
    answers = list(FollowUp.Antidepressant.values)
    follow_ups = copy_rows(
        FollowUp,
        (
            {
                "referral_id": referral_start + i,
                "date": timezone.localdate(item["followed_up_at"], AMSTERDAM),
                "wellbeing": "better",
                "phq9_total": rng.randint(0, 15),
                "antidepressant": rng.choice(answers),
                "work_status": "working",
                "still_running": "yes",
                "notes": "",
                "recorded_by_id": item["gp"],
                "recorded_at": item["followed_up_at"],
            }
            for i, item in enumerate(lifecycles)
            if item["followed_up_at"]
        ),
    )
    return {"referrals": args.referrals, "questionnaires": responses, "follow_ups": follow_ups}


def rebuild_reports() -> None:
    """The rows went in with COPY, past the signals that keep the report cells: build them."""
    started = time.perf_counter()
    written = report_cells.rebuild()
    print(
        f"built the report cells in {time.perf_counter() - started:.0f} s: "
        f"{written['facts']:,} facts, {written['cells']:,} cells"
    )


def prepare(args) -> None:
    if args.reuse and database_exists(args.server, args.database) and seeded_as(args):
        print(f"reusing {args.database}: {args.referrals:,} referrals")
        call_command("migrate", verbosity=0)
        if not ReportCell.objects.exists():
            rebuild_reports()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        return
    connection.close()
    recreate_database(args.server, args.database)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    counts = seed(args)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
    rebuild_reports()
    connection.close()
    with psycopg.connect(f"{args.server}/{args.database}", autocommit=True) as raw:
        raw.execute("VACUUM ANALYZE")
    print(
        f"seeded {args.database} in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{value:,} {key}" for key, value in counts.items())
        + f" over {args.practices} practices"
    )


# --- Timing -------------------------------------------------------------------------------------


def median_ms(requests: dict[str, tuple[Client, str]], runs: int) -> dict[str, float]:
    for _ in range(WARM_UPS):
        for client, url in requests.values():
            assert client.get(url).status_code == 200, url
    times: dict[str, list[float]] = {name: [] for name in requests}
    for _ in range(runs):
        for name, (client, url) in requests.items():
            start = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def main() -> int:
    args = ARGS
    prepare(args)
    from django.conf import settings

    # Not setup_test_environment(): it makes every template render copy its context for the
    # test client's inspection, a cost of the test harness rather than of the server.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.ROOT_URLCONF = __name__

    # Referrals are spread evenly over the practices: the first stands for any.
    practice_id = Practice.objects.order_by("pk").values_list("pk", flat=True)[0]
    manager = User.objects.get(role=User.Role.PRACTICE_MANAGER, practice_id=practice_id)
    admin = User.objects.get(role=User.Role.ADMIN)
    clients = {}
    for key, user in (("manager", manager), ("admin", admin)):
        clients[key] = Client()
        clients[key].force_login(user)
    in_period = Referral.objects.filter(
        sent_at__gte=timezone.now() - timedelta(days=365), practice_id=practice_id
    ).count()

    one_practice = {
        "trivial view": (clients["manager"], "/bench/trivial/"),
        "dashboard, one practice": (clients["manager"], "/reports/"),
        "monthly CSV, one practice": (clients["manager"], "/reports/monthly.csv?months=12"),
    }
    all_practices = {
        "trivial view (again)": (clients["admin"], "/bench/trivial/"),
        "dashboard, all practices": (clients["admin"], "/reports/"),
        "monthly CSV, all practices": (clients["admin"], "/reports/monthly.csv?months=12"),
    }
    requests = {**one_practice, **all_practices}
    queries = {name: query_count(client, url) for name, (client, url) in requests.items()}
    # Two rounds: the all-practice requests read most of the tables and would push one
    # practice's pages out of the cache if they took turns with them.
    medians = {
        **median_ms(one_practice, args.runs),
        **median_ms(all_practices, args.admin_runs),
    }
    floor = medians["trivial view"]

    print(
        f"referrals: {Referral.objects.count():,} over {Practice.objects.count()} practices; "
        f"one practice: {in_period:,} referrals in the last 12 months; "
        f"runs: {args.runs} ({args.admin_runs} for all practices) after {WARM_UPS} warm-ups; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'view':<28} {'median ms':>10} {'queries':>8} {'ratio':>7}  target")
    passed = True
    for name, ms in medians.items():
        ratio = ms / floor
        target, ok = "", True
        if name == "dashboard, one practice":
            ok = ratio <= ONE_PRACTICE_RATIO
            target = f"<= {ONE_PRACTICE_RATIO}x trivial: {'pass' if ok else 'FAIL'}"
        elif name == "dashboard, all practices":
            ok = ms < ALL_PRACTICES_MS
            target = f"< {ALL_PRACTICES_MS} ms: {'pass' if ok else 'FAIL'}"
        passed = passed and ok
        print(f"{name:<28} {ms:>10.1f} {queries[name]:>8} {ratio:>6.1f}x  {target}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
