"""`make bench`: Loopbaan at national scale, every figure against a floor measured in the same run.

    .venv/bin/python bench/run.py [--size 1000000] [--database loopbaan_bench] [--reuse]
        [--seconds 5] [--rounds 3] [--keep]

(BENCH_SIZE in the environment sets the default size.) Steps:

1. Seeds its own PostgreSQL database (bench/seed.py: referrals over practices, GPs and
   therapists scaled from 1,000,000 / 5,000 / 13,000 / 1,500, plus one small practice with a
   single referral), then `rebuild_reports` when the app has it, then VACUUM ANALYZE.
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
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PAGE_RATIO = 10
LETTER_RATIO = 10
MAX_QUERIES = 15
SWEEP_SECONDS = 60
REPORT_MS = 1000
SAMPLE_USERS = 40  # GPs and therapists each, signed in for wrk to take turns over
REFERRALS_PER_GP = 3


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
        EMAIL_URL="memorymail://",
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

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts.middleware import SIGNED_IN_AT  # noqa: E402
from accounts.models import User  # noqa: E402
from referrals.models import Referral, Status  # noqa: E402

HOST = "127.0.0.1"


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
    seed.rebuild_reports()
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


# --- Signing in ----------------------------------------------------------------------------------


def sign_in(users: list[User]) -> dict[int, str]:
    """A session per user as after both factors: Django's auth keys plus the verified device."""
    devices = {d.user_id: d for d in TOTPDevice.objects.filter(user__in=users, confirmed=True)}
    missing = [
        TOTPDevice(user=u, name="authenticator", confirmed=True)
        for u in users
        if u.pk not in devices
    ]
    for device in TOTPDevice.objects.bulk_create(missing):
        devices[device.user_id] = device
    keys = {}
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = devices[user.pk].persistent_id
        session[SIGNED_IN_AT] = timezone.now().isoformat()
        session.create()
        keys[user.pk] = session.session_key
    return keys


def cookie(key: str) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={key}"


def client_for(key: str) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


# --- Targets -------------------------------------------------------------------------------------


def targets(plan: seed.Plan) -> tuple[dict[str, list[tuple[str, str]]], dict[str, tuple[str, str]]]:
    """(page -> [(path, cookie)] for wrk, page -> (path, session) of the small practice)."""
    import random

    rng = random.Random(plan.seed)
    gps = list(User.objects.filter(role=User.Role.GP).exclude(email__contains="small"))
    therapists = list(
        User.objects.filter(role=User.Role.THERAPIST).exclude(email__contains="small")
    )
    managers = list(
        User.objects.filter(role=User.Role.PRACTICE_MANAGER).exclude(email__contains="small")
    )
    gps = rng.sample(gps, min(SAMPLE_USERS, len(gps)))
    therapists = rng.sample(therapists, min(SAMPLE_USERS, len(therapists)))
    managers = rng.sample(managers, min(SAMPLE_USERS // 2, len(managers)))
    small = list(User.objects.filter(email__contains="-small@"))
    keys = sign_in([*gps, *therapists, *managers, *small])

    # Referral pages: referrals of each GP's practice in therapy or after (the fullest pages).
    referral_pages = []
    for gp in gps:
        pks = list(
            Referral.objects.filter(
                practice_id=gp.practice_id,
                status__in=[Status.IN_THERAPY, Status.COMPLETED, Status.FOLLOWED_UP],
            )
            .order_by("-created_at")
            .values_list("pk", flat=True)[:REFERRALS_PER_GP]
        )
        referral_pages += [(f"/referrals/{pk}/", cookie(keys[gp.pk])) for pk in pks]
    pages = {
        "trivial view": [("/bench/trivial/", cookie(keys[gp.pk])) for gp in gps],
        "GP worklist": [("/referrals/", cookie(keys[gp.pk])) for gp in gps],
        "referral page": referral_pages,
        "therapist home": [("/referrals/incoming/", cookie(keys[t.pk])) for t in therapists],
        "practice dashboard": [("/reports/", cookie(keys[m.pk])) for m in managers],
    }
    by_role = {u.role: u for u in small}
    small_referral = Referral.objects.filter(gp=by_role[User.Role.GP]).values_list("pk", flat=True)
    small_pages = {
        "trivial view": ("/bench/trivial/", keys[by_role[User.Role.GP].pk]),
        "GP worklist": ("/referrals/", keys[by_role[User.Role.GP].pk]),
        "referral page": (f"/referrals/{small_referral[0]}/", keys[by_role[User.Role.GP].pk]),
        "therapist home": ("/referrals/incoming/", keys[by_role[User.Role.THERAPIST].pk]),
        "practice dashboard": ("/reports/", keys[by_role[User.Role.PRACTICE_MANAGER].pk]),
    }
    return pages, small_pages


def session_of(cookie_header: str) -> str:
    return cookie_header.partition("=")[2]


# --- Query counts --------------------------------------------------------------------------------


def queries_of(path: str, key: str) -> int:
    client = client_for(key)
    first = client.get(path)  # once-only work (read receipts) happens here
    assert first.status_code == 200, (path, first.status_code, first.get("Location"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def query_counts(pages, small_pages) -> dict[str, tuple[int, int]]:
    """page -> (queries at national size: the most of a few users, queries for the small one)."""
    counts = {}
    for name, entries in pages.items():
        big = max(queries_of(path, session_of(c)) for path, c in entries[:5])
        counts[name] = (big, queries_of(*small_pages[name]))
    return counts


# --- gunicorn and wrk ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--log-level=warning",
        "--timeout=120",
    ]
    log = open(RESULTS / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn by its own pid (the master stops its workers)."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def check_through_gunicorn(port: int, pages) -> None:
    """Every URL wrk will ask for answers 200 to its cookie (not a redirect to sign in)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    for name, entries in pages.items():
        for path, header in entries:
            request = urllib.request.Request(
                f"http://{HOST}:{port}{path}", headers={"Cookie": header}
            )
            try:
                with opener.open(request, timeout=60) as answer:
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            if status != 200:
                raise SystemExit(f"{name}: {path} answered {status} through gunicorn")


LUA = """
local entries = {%(entries)s}
local counter = 0
request = function()
  counter = counter + 1
  local entry = entries[(counter %% #entries) + 1]
  return wrk.format("GET", entry[1], {["Cookie"] = entry[2], ["Host"] = "%(host)s"})
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %%d, "seconds": %%f, "p50_us": %%d, "p99_us": %%d, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


def wrk_script(entries: list[tuple[str, str]], directory: Path) -> Path:
    body = ", ".join(f'{{"{path}", "{header}"}}' for path, header in entries)
    script = directory / f"wrk-{abs(hash(body))}.lua"
    script.write_text(LUA % {"entries": body, "host": HOST})
    return script


def wrk(port: int, script: Path, seconds: float, connections: int) -> dict:
    command = [
        "wrk",
        "--threads=1",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=30s",
        f"--script={script}",
        f"http://{HOST}:{port}/",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    output = done.stdout
    line = next(line for line in output.splitlines() if line.startswith("WRKJSON "))
    result = json.loads(line.removeprefix("WRKJSON "))
    if result["errors"]:
        raise SystemExit(f"wrk saw {result['errors']} errors:\n{output}")
    return result


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("wrk is missing: installing the Debian package", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True)  # noqa: S603


def load_test(pages, args, workers: int) -> dict[str, dict]:
    """Rounds of wrk runs, the pages taking turns, so a busy machine slows them alike."""
    ensure_wrk()
    port = free_port()
    process = start_gunicorn(port, workers)
    try:
        check_through_gunicorn(port, pages)
        runs: dict[str, list[dict]] = {name: [] for name in pages}
        with tempfile.TemporaryDirectory() as directory:
            scripts = {name: wrk_script(e, Path(directory)) for name, e in pages.items()}
            for name in pages:  # warm-up: caches, connections, compiled templates
                wrk(port, scripts[name], 1, workers)
            for _round in range(args.rounds):
                for name in pages:
                    runs[name].append(wrk(port, scripts[name], args.seconds, workers))
    finally:
        stop(process)
    return {
        name: {
            "rps": statistics.median(r["requests"] / r["seconds"] for r in results),
            "p50_ms": statistics.median(r["p50_us"] for r in results) / 1000,
            "p99_ms": statistics.median(r["p99_us"] for r in results) / 1000,
            "requests": sum(r["requests"] for r in results),
        }
        for name, results in runs.items()
    }


# --- In-process figures --------------------------------------------------------------------------


def letter_figures(runs: int) -> tuple[float, float]:
    from weasyprint import HTML

    from bench import letter_bench
    from referrals.pdf import render_referral_letter

    referral = letter_bench.sample_referral()
    medians = letter_bench.median_ms(
        {
            "floor": lambda: HTML(string="<p>Een alinea tekst op een A4-pagina.</p>").write_pdf(),
            "letter": lambda: render_referral_letter(referral),
        },
        runs,
    )
    return medians["letter"], medians["floor"]


def all_practice_report_ms(runs: int = 3) -> float:
    admin = User.objects.get(role=User.Role.ADMIN)
    client = client_for(sign_in([admin])[admin.pk])
    times = []
    for n in range(runs + 1):
        started = time.perf_counter()
        response = client.get("/reports/")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        if n:  # the first warms up
            times.append(elapsed)
    return statistics.median(times) * 1000


def sweep_figures() -> dict:
    from django.core import mail

    from referrals import reminders

    mail.outbox = []
    open_referrals = Referral.objects.exclude(
        status__in=[Status.FOLLOWED_UP, Status.CANCELLED, Status.NOT_CLEARED]
    ).count()
    started = time.perf_counter()
    run = reminders.sweep(trigger="bench", deliver_inline=True)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = reminders.sweep(trigger="bench", deliver_inline=True)
    return {
        "seconds": seconds,
        "sent": run.total,
        "open_referrals": open_referrals,
        "second_run_seconds": time.perf_counter() - started,
        "second_run_sent": again.total,
    }


# --- The table -----------------------------------------------------------------------------------


def row(figure, value, floor, budget, passed, unit="") -> dict:
    ratio = value / floor if floor else None
    return {
        "figure": figure,
        "value": round(value, 2),
        "floor": None if floor is None else round(floor, 2),
        "ratio": None if ratio is None else round(ratio, 2),
        "budget": budget,
        "pass": bool(passed),
        "unit": unit,
    }


def build_table(load, queries, letter, report_ms, sweep) -> list[dict]:
    rows = []
    floor = load["trivial view"]["p50_ms"]
    for name, figures in load.items():
        p50 = figures["p50_ms"]
        if name == "trivial view":
            rows.append(row(f"{name} p50 ms", p50, None, "floor", True, "ms"))
        else:
            rows.append(
                row(f"{name} p50 ms", p50, floor, f"<= {PAGE_RATIO}x", p50 <= PAGE_RATIO * floor)
            )
        rows.append(row(f"{name} p99 ms", figures["p99_ms"], None, "", True, "ms"))
        rows.append(row(f"{name} requests/s", figures["rps"], None, "", True, "1/s"))
    for name, (big, small) in queries.items():
        ok = big <= MAX_QUERIES and big == small
        rows.append(row(f"{name} queries", big, small, f"<= {MAX_QUERIES}, = small", ok))
    letter_ms, letter_floor = letter
    rows.append(
        row(
            "letter PDF ms",
            letter_ms,
            letter_floor,
            f"<= {LETTER_RATIO}x",
            letter_ms <= LETTER_RATIO * letter_floor,
            "ms",
        )
    )
    rows.append(
        row("all-practice report ms", report_ms, None, f"< {REPORT_MS} ms", report_ms < REPORT_MS)
    )
    rows.append(
        row(
            f"sweep s ({sweep['open_referrals']:,} open, {sweep['sent']:,} sent)",
            sweep["seconds"],
            None,
            f"< {SWEEP_SECONDS} s",
            sweep["seconds"] < SWEEP_SECONDS,
            "s",
        )
    )
    return rows


def print_table(rows: list[dict]) -> None:
    def number(value) -> str:
        if value is None:
            return ""
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")

    head = f"| {'figure':<44} | {'value':>9} | {'floor':>7} | {'ratio':>6} | {'budget':<16} |"
    print(f"\n{head} result |")
    print(f"|{'-' * 46}|{'-' * 11}:|{'-' * 8}:|{'-' * 7}:|{'-' * 18}|--------|")
    for r in rows:
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None else ""
        result = ("pass" if r["pass"] else "FAIL") if r["budget"] not in ("", "floor") else ""
        print(
            f"| {r['figure']:<44} | {number(r['value']):>9} | {number(r['floor']):>7} "
            f"| {ratio:>6} | {r['budget']:<16} | {result:<6} |"
        )


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
    load = load_test(pages, args, workers)
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
