"""How fast the reports answer over a million referrals, against a trivial Django view.

    DJANGO_DEBUG=1 .venv/bin/python bench/dashboard_bench.py [--referrals 1000000]
        [--practices 200] [--runs 25] [--admin-runs 5] [--database loopbaan_dashboard_bench]
        [--reuse] [--pg-options "-c jit=off"]

Seeds its own PostgreSQL database (dropped and created again unless --reuse finds it seeded
with the same numbers) with bench/seed.py's national data set: practices with five GPs and a
manager each, 300 therapists, one patient per referral, referrals sent over the last two years
and walked along the lifecycle as far as their dates allow, with questionnaires, reports,
sessions and follow-ups. COPY bypasses the signals that keep the reports' pre-aggregated
cells, so `rebuild_counts` builds them after loading.

Then it times, through Django's test client with `force_login` (full middleware, session and
user lookup; without the test harness's template instrumentation), the median of --runs
requests per view. A trivial view (`HttpResponse("ok")`) takes turns with the manager's
dashboard and CSV for one practice, so a busy machine slows them alike; the administrator's
dashboard and CSV over all practices run in a second round (--admin-runs), because their scans
would push the one practice's pages out of the caches.
Targets: one practice within 10x the trivial view; all practices under 1 s.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import seed  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
# Keep connections between requests, as production does; otherwise every request would pay
# for a new PostgreSQL connection and flatter the ratio.
os.environ.setdefault("DJANGO_CONN_MAX_AGE", "600")

DEFAULT_SERVER = seed.DEFAULT_SERVER
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
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402

from accounts.models import Practice, User  # noqa: E402
from dashboard.models import CountCell  # noqa: E402
from dashboard.period import Period  # noqa: E402
from referrals.models import Referral  # noqa: E402


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _reports_mounted() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("dashboard:page", urlconf="config.urls")
    except NoReverseMatch:
        return False
    return True


# This module is the URLconf while timing: the trivial view, then the project's own URLs.
urlpatterns = [path("bench/trivial/", trivial)]
if not _reports_mounted():
    urlpatterns.append(path("reports/", include("dashboard.urls")))
urlpatterns.append(path("", include("config.urls")))


# --- The database -------------------------------------------------------------------------------


def seeded_as(args) -> bool:
    try:
        referrals = Referral.objects.count()
    except Exception:  # noqa: BLE001 - no tables yet
        return False
    return referrals == args.referrals and Practice.objects.count() == args.practices


def plan_for(args) -> seed.Plan:
    return seed.Plan(
        referrals=args.referrals,
        practices=args.practices,
        gps=args.practices * GPS_PER_PRACTICE,
        therapists=THERAPISTS,
        seed=args.seed,
        small=False,
    )


def prepare(args) -> None:
    if args.reuse and seed.database_exists(args.server, args.database) and seeded_as(args):
        print(f"reusing {args.database}: {args.referrals:,} referrals")
        call_command("migrate", verbosity=0)
        if not CountCell.objects.exists():
            seed.rebuild_counts()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        return
    connection.close()
    seed.recreate_database(args.server, args.database)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    counts = seed.national(plan_for(args)).counts
    seed.rebuild_counts()
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
    # The reports show a whole month, quarter or year: the bench asks for this year.
    year = Period.default()
    csv_url = f"/reports/monthly.csv?period={year.key}"
    in_period = Referral.objects.filter(
        sent_at__gte=year.start, sent_at__lt=year.end, practice_id=practice_id
    ).count()

    one_practice = {
        "trivial view": (clients["manager"], "/bench/trivial/"),
        "dashboard, one practice": (clients["manager"], "/reports/"),
        "monthly CSV, one practice": (
            clients["manager"],
            f"/reports/monthly.csv?period={year.key}",
        ),
    }
    all_practices = {
        "trivial view (again)": (clients["admin"], "/bench/trivial/"),
        "dashboard, all practices": (clients["admin"], "/reports/"),
        "monthly CSV, all practices": (clients["admin"], csv_url),
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
        f"one practice: {in_period:,} referrals in {year.key}; "
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
