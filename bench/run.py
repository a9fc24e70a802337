"""`make bench`: Loopbaan at national scale, every figure against a floor measured in the same run.

    .venv/bin/python bench/run.py [--size 1000000] [--database loopbaan_bench] [--reuse]
        [--seconds 5] [--rounds 3] [--keep]

(BENCH_SIZE in the environment sets the default size.) Steps:

1. Seeds its own PostgreSQL database (bench/seed.py: referrals over practices, GPs and
   therapists scaled from 1,000,000 / 5,000 / 13,000 / 1,500, plus one small practice with a
   single referral), then `rebuild_counts` when the app has it, then VACUUM ANALYZE.
2. Starts gunicorn with production settings (no DEBUG, a throwaway secret key, HTTPS redirect
   off, ALLOWED_HOSTS 127.0.0.1) on a free loopback port, and signs users in by writing Django
   sessions that carry a confirmed TOTP device, as django-otp's login does. wrk (with a Lua
   script that takes turns over users and referrals) measures requests/s and p50/p99 of the GP
   worklist, a referral page, the therapist home, the practice manager's dashboard and the
   floor: a trivial view behind the same middleware (bench/urls.py).
3. In this process, against the same database: the SQL queries of each page at national size
   and for the small practice's users (must be equal, and at most 15); the letter PDF against
   WeasyPrint's one-paragraph floor; the administrator's all-practice report; the reminder sweep
   over every open referral.
4. Prints one table and writes it to bench/results/bench.json; exits 1 when a budget fails.

This module is the entry point: the options, the environment, the seeding and `main`, which
takes the steps in order. The rest lives beside it: bench/run_load.py (gunicorn and wrk),
bench/run_figures.py (sign-in, the pages, query counts and the in-process figures) and
bench/run_table.py (the budgets and the table).
"""

import argparse
import json
import os
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402
from bench.run_load import RESULTS, load_test  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = int(os.environ.get("BENCH_SIZE") or seed.NATIONAL_REFERRALS)
    parser.add_argument("--size", type=int, default=size, help="referrals (env BENCH_SIZE)")
    parser.add_argument("--database", default="loopbaan_bench")
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", seed.DEFAULT_SERVER))
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded alike")
    parser.add_argument("--seconds", type=float, default=None, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per page, taking turns")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 5.0 if args.size >= 200_000 else 3.0
    return args


def production_environment(args) -> dict[str, str]:
    """What gunicorn and this process run with: production, but for the bench's own choices."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOOPBAAN_"))}
    env.pop("REDIS_URL", None)  # tasks run in-process; the sweep delivers inline anyway
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),  # throwaway, for this run only
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback; the proxy does TLS in production
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=f"{args.server}/{args.database}",
        # Production settings want an SMTP server; the bench reads pages and sends nothing.
        EMAIL_URL="smtp://127.0.0.1:9",
        PYTHONPATH=str(ROOT),
    )
    return env


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    ENV = production_environment(ARGS)
    os.environ.clear()
    os.environ.update(ENV)
    if not (ARGS.reuse and seed.database_exists(ARGS.server, ARGS.database)):
        seed.recreate_database(ARGS.server, ARGS.database)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.run_figures import (  # noqa: E402
    all_practice_report_ms,
    letter_figures,
    query_counts,
    sweep_figures,
    targets,
)
from bench.run_table import build_table, print_table  # noqa: E402
from referrals.models import Referral  # noqa: E402

# --- Seeding -------------------------------------------------------------------------------------


def prepare(args) -> seed.Plan:
    plan = seed.Plan.for_size(args.size)
    if args.reuse and _seeded_as(plan):
        print(f"reusing {args.database}: {plan.referrals:,} referrals")
        call_command("migrate", verbosity=0)  # indexes added since it was seeded
        return plan
    if args.reuse:
        connection.close()
        seed.recreate_database(args.server, args.database)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(
        f"seeding {args.database}: {plan.referrals:,} referrals, {plan.practices:,} practices, "
        f"{plan.gps:,} GPs, {plan.therapists:,} therapists",
        flush=True,
    )
    seeded = seed.national(plan)
    seed.rebuild_counts()
    seed.analyze(vacuum=True)
    print(
        f"seeded in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in seeded.counts.items()),
        flush=True,
    )
    return plan


def _seeded_as(plan: seed.Plan) -> bool:
    try:
        return Referral.objects.count() == plan.referrals + plan.small
    except Exception:  # noqa: BLE001 - no tables yet
        return False


def main(args) -> int:
    started = time.perf_counter()
    RESULTS.mkdir(parents=True, exist_ok=True)
    plan = prepare(args)
    seeded_seconds = time.perf_counter() - started
    call_command("collectstatic", interactive=False, verbosity=0)
    pages, small_pages = targets(plan)
    queries = query_counts(pages, small_pages)
    workers = 2
    connection.close()  # gunicorn's workers get the database to themselves while measured
    load = load_test(pages, args, workers, ENV)
    letter = letter_figures(runs=15)
    report_ms = all_practice_report_ms()
    sweep = sweep_figures()
    rows = build_table(load, queries, letter, report_ms, sweep)
    print_table(rows)
    total = time.perf_counter() - started
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": plan.referrals,
        "plan": plan.__dict__,
        "gunicorn_workers": workers,
        "wrk": {"connections": workers, "seconds": args.seconds, "rounds": args.rounds},
        "load_average": os.getloadavg(),
        "seed_seconds": round(seeded_seconds, 1),
        "total_seconds": round(total, 1),
        "sweep": sweep,
        "rows": rows,
    }
    out = RESULTS / "bench.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(
        f"\n{plan.referrals:,} referrals; seeding {seeded_seconds:.0f} s, all {total:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f}; written to {out.relative_to(ROOT)}"
    )
    if not args.keep:
        connection.close()
        seed.drop_database(args.server, args.database)
    failed = [r["figure"] for r in rows if not r["pass"]]
    if failed:
        print("FAILED: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
