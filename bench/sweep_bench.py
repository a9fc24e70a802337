"""How long the daily reminder sweep takes over many open referrals, and whether its search for
due items stays a fixed number of queries however many referrals there are.

    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/loopbaan_bench \\
        .venv/bin/python bench/sweep_bench.py --referrals 100000

Creates the PostgreSQL database named in DATABASE_URL when it is missing, migrates it and, when
it already holds referrals, empties it first (only a database whose name contains "bench"; any
other must be empty). Then it loads --referrals OPEN referrals with COPY (bulk_create elsewhere):
sent, accepted, intake done, in therapy, completed and stopped, with dates spread over the last
months, most questionnaires and reports already entered, so only some are due; plus the few
practices, GPs, therapists and the one patient per referral they need.

It counts the queries of `notifications.due.due_items()` after the first --small referrals and
again at full size, then times `notifications.sweep.sweep()` twice with
Django's in-memory email backend: the first run finds everything due and sends it, the second
finds nothing new. Each run is broken down into the search for due items, the deliveries and
the rest. Target: the first run under 30 s for 100,000 referrals.
"""

import argparse
import os
import random
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import seed  # noqa: E402
from bench.seed import Table  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loopbaan_bench")
# Emails go to Django's in-memory outbox; no broker: everything is delivered in this process.
os.environ["EMAIL_URL"] = "memorymail://"
os.environ.pop("REDIS_URL", None)

TARGET_SECONDS = 30
PATIENTS_PER_PRACTICE = 500
GPS_PER_PRACTICE = 2
THERAPISTS = 300
CHUNK = 20_000
# Share of the open referrals in each status.
STATUS_MIX = {
    "sent": 0.12,
    "accepted": 0.08,
    "intake_done": 0.06,
    "in_therapy": 0.50,
    "completed": 0.14,
    "stopped": 0.10,
}
# Most work is done in time: the share of questionnaires and reports entered when they fall due,
# and of referrals answered (or intakes held) before their deadline.
ON_TIME = 0.97
ANSWERED_IN_TIME = 0.90


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000, help="size of the query-count probe")
    parser.add_argument("--seed", type=int, default=20261023)
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    seed.ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Practice, User  # noqa: E402
from notifications import delivery, due, sweep  # noqa: E402
from notifications.models import Notification  # noqa: E402
from outcomes.models import QuestionnaireResponse  # noqa: E402
from patients.models import Patient  # noqa: E402
from patients.validators import bsn_is_valid  # noqa: E402
from referrals.models import Referral  # noqa: E402
from referrals.schedule import follow_up_due  # noqa: E402
from therapists.models import Therapist  # noqa: E402
from therapy.models import TherapyLetter  # noqa: E402

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BSNS = [f"{n:09d}" for n in range(999_990_000, 1_000_000_000) if bsn_is_valid(f"{n:09d}")]


# --- Loading ----------------------------------------------------------------------------------


def prepare_database() -> None:
    call_command("migrate", verbosity=0)
    if not Referral.objects.exists():
        return
    name = connection.settings_dict["NAME"]
    if "bench" not in str(name):
        sys.exit(f"{name} already holds referrals; the bench empties only a *bench* database.")
    print(f"Emptying {name}")
    call_command("flush", interactive=False, verbosity=0)


def reset_sequences() -> None:
    seed.reset_sequences(
        [Practice, User, Therapist, Patient, Referral, QuestionnaireResponse, TherapyLetter]
    )


def analyze() -> None:
    """Fresh planner statistics, as autovacuum would have them on a database in use."""
    seed.analyze()


def make_people(referrals: int, now: datetime) -> tuple[list[int], dict[int, list[int]], list]:
    """Practices with their GPs, and verified therapists: the few rows every referral points at."""
    practices = Practice.objects.bulk_create(
        Practice(
            name=f"Benchpraktijk {n}",
            agb_code=f"98{n:06d}",
            address=f"Benchstraat {n}",
            postcode="9999 ZZ",
            city="Benchstad",
            phone="099 999 99 99",
        )
        for n in range(-(-referrals // PATIENTS_PER_PRACTICE))
    )
    admin = User.objects.create(
        email="bench-admin@example.org", role=User.Role.ADMIN, password="!", is_staff=True
    )
    gps = User.objects.bulk_create(
        User(
            email=f"bench-gp-{p.pk}-{n}@example.org",
            last_name=f"Huisarts {p.pk}-{n}",
            role=User.Role.GP,
            practice=p,
            password="!",
        )
        for p in practices
        for n in range(GPS_PER_PRACTICE)
    )
    users = User.objects.bulk_create(
        User(
            email=f"bench-therapist-{n}@example.org",
            last_name=f"Therapeut {n}",
            role=User.Role.THERAPIST,
            password="!",
        )
        for n in range(THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(
            user=user,
            profession=Therapist.Profession.PHYSIOTHERAPIST,
            organisation=f"Benchfysio {n}",
            certificate_number=f"RT-BENCH-{n:05d}",
            certificate_date=date(2020, 1, 1),
            is_verified=True,
            verified_by=admin,
            verified_at=now,
            address=f"Looppad {n}",
            postcode="9999 ZZ",
            city="Benchstad",
        )
        for n, user in enumerate(users)
    )
    gps_of = {}
    for gp in gps:
        gps_of.setdefault(gp.practice_id, []).append(gp.pk)
    return [p.pk for p in practices], gps_of, [(t.pk, t.user_id) for t in therapists]


class Loader:
    """Open referrals with plausible dates; what should have been entered mostly is."""

    def __init__(self, seed: int, practices, gps_of, therapists, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.practices, self.gps_of, self.therapists = practices, gps_of, therapists
        self.now, self.today = now, timezone.localdate(now)
        self.patients = Table(Patient, now)
        self.referrals = Table(Referral, now)
        self.questionnaires = Table(QuestionnaireResponse, now)
        self.reports = Table(TherapyLetter, now)
        self.next_questionnaire = 1
        self.next_report = 1
        self.statuses = list(STATUS_MIX)
        self.weights = list(STATUS_MIX.values())

    def at(self, day: date, hour: int = 10) -> datetime:
        return datetime.combine(day, clock(hour), tzinfo=AMSTERDAM)

    def load(self, first: int, last: int) -> None:
        """Referrals (and patients) with ids first..last, in chunks."""
        for start in range(first, last + 1, CHUNK):
            for pk in range(start, min(start + CHUNK, last + 1)):
                self.referral(pk)
            for table in (self.patients, self.referrals, self.questionnaires, self.reports):
                table.flush()

    def referral(self, pk: int) -> None:
        rng, now, today = self.rng, self.now, self.today
        index = pk - 1
        practice = self.practices[index // PATIENTS_PER_PRACTICE]
        self.patients.add(
            id=pk,
            practice_id=practice,
            bsn=BSNS[index % PATIENTS_PER_PRACTICE],
            initials="B.",
            first_name="Bench",
            surname=f"Patiënt {pk}",
            date_of_birth=date(1960 + pk % 40, 1 + pk % 12, 1 + pk % 28),
            sex="other",
        )
        therapist, therapist_user = self.therapists[pk % len(self.therapists)]
        status = rng.choices(self.statuses, self.weights)[0]
        dates: dict = {}
        weeks_entered: list[int] = []
        reports: list[str] = []
        in_time = rng.random() < ANSWERED_IN_TIME
        if status == "sent":  # still waiting: mostly sent in the last two days
            days = rng.uniform(0, 2) if in_time else rng.uniform(2, 10)
            dates["sent_at"] = now - timedelta(days=days)
        elif status == "accepted":  # the intake is held within 14 days, mostly
            days = rng.uniform(0, 13) if in_time else rng.uniform(13, 21)
            accepted = now - timedelta(days=days)
            dates.update(sent_at=accepted - timedelta(days=2), accepted_at=accepted)
        else:
            if status == "intake_done":
                elapsed = rng.randint(0, 6)
            elif status == "in_therapy":
                elapsed = rng.randint(1, 84)
            else:  # ended, waiting for the GP's follow-up at three months (day 89-92)
                elapsed = rng.randint(70, 98)
            intake = today - timedelta(days=elapsed)
            dates.update(
                sent_at=self.at(intake - timedelta(days=12)),
                accepted_at=self.at(intake - timedelta(days=8)),
                intake_done_at=self.at(intake, 15),
                intake_date=intake,
            )
            if status != "intake_done":
                dates["therapy_started_at"] = self.at(intake, 16)
            ended = elapsed
            if status in ("completed", "stopped"):
                ended = rng.randint(70, 84) if status == "completed" else rng.randint(14, 56)
                ended = min(ended, elapsed - 1)
                end_at = self.at(intake + timedelta(days=ended), 17)
                dates["completed_at" if status == "completed" else "stopped_at"] = end_at
                dates["follow_up_due"] = follow_up_due(intake)
                reports.append(TherapyLetter.Kind.END)
            weeks = (0,) if status == "intake_done" else (0, 5, 10)
            closed = status in ("completed", "stopped")
            weeks_entered = [
                w for w in weeks if 7 * w <= ended and (closed or rng.random() < ON_TIME)
            ]
            if status != "intake_done":
                for kind, after in (
                    (TherapyLetter.Kind.INTAKE, 4),
                    (TherapyLetter.Kind.PROGRESS, 38),
                ):
                    if ended >= after and (closed or rng.random() < ON_TIME):
                        reports.append(kind)
        self.referrals.add(
            id=pk,
            patient_id=pk,
            practice_id=practice,
            gp_id=self.gps_of[practice][pk % GPS_PER_PRACTICE],
            therapist_id=therapist,
            status=status,
            consent_given=True,
            complaint="depressive",
            severity="mild",
            uses_antidepressant=False,
            question="Benchverwijzing.",
            purpose="treatment",
            funding="self_pay",
            created_at=dates["sent_at"] - timedelta(hours=1),
            updated_at=now,
            **dates,
        )
        for week in weeks_entered:
            completed_on = min(dates["intake_date"] + timedelta(days=7 * week), today)
            for instrument, items in (("PHQ-9", 9), ("GAD-7", 7)):
                answers = [rng.randint(0, 2) for _ in range(items)]
                self.questionnaires.add(
                    id=self.next_questionnaire,
                    referral_id=pk,
                    instrument=instrument,
                    week=week,
                    answers=answers,
                    total=sum(answers),
                    band="mild",
                    completed_on=completed_on,
                    entered_by_id=therapist_user,
                )
                self.next_questionnaire += 1
        for kind in reports:
            self.reports.add(
                id=self.next_report,
                referral_id=pk,
                kind=kind,
                summary="Benchrapport.",
                written_by_id=therapist_user,
            )
            self.next_report += 1


# --- Measuring --------------------------------------------------------------------------------


def due_item_queries() -> tuple[int, float, int]:
    """Queries, seconds and items of one unscoped due_items()."""
    connection.queries_log.clear()  # DEBUG keeps the last 9,000; the deliveries fill it
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        items = due.due_items()
    return len(queries), time.perf_counter() - started, len(items)


class Stopwatch:
    """Wraps the sweep's steps to see where its time goes (the app code is left as it is)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._originals = {}

    def wrap(self, module, name: str, label: str) -> None:
        original = getattr(module, name)
        self._originals[(module, name)] = original

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started
                self.calls[label] += 1

        setattr(module, name, timed)

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


def timed_sweep(label: str, watch: Stopwatch) -> float:
    watch.reset()
    mail.outbox = []
    started = time.perf_counter()
    run = sweep.sweep(trigger="bench")
    seconds = time.perf_counter() - started
    print(f"\n{label}: {seconds:.1f} s, {run.total} reminders sent, {run.failures} failures")
    for kind, count in run.counts.items():
        print(f"  {kind}: {count}")
    assert len(mail.outbox) == run.total, (len(mail.outbox), run.total)
    search = watch.seconds["due_items"]
    deliver = watch.seconds["deliver_batch"]
    email = watch.seconds["send_email"]
    print(f"  search for due items   {search:7.2f} s")
    if watch.calls["deliver_batch"]:
        batches = watch.calls["deliver_batch"]
        per = 1000 * deliver / batches
        print(
            f"  deliveries             {deliver:7.2f} s  ({batches} batches x {per:.2f} ms;"
            f" of which rendering and sending the email {email:.2f} s)"
        )
    print(f"  the rest               {seconds - search - deliver:7.2f} s  (rows, scan, run)")
    return seconds


def main(args: argparse.Namespace) -> None:
    setup_test_environment()  # the in-memory outbox, as in the tests
    now = timezone.now()
    started = time.perf_counter()
    prepare_database()
    practices, gps_of, therapists = make_people(args.referrals, now)
    for model in (Patient, Referral, QuestionnaireResponse, TherapyLetter):
        if model.objects.aggregate(top=Max("id"))["top"]:
            sys.exit(f"{model.__name__} is not empty")
    loader = Loader(args.seed, practices, gps_of, therapists, now)

    small = min(args.small, args.referrals)
    loader.load(1, small)
    analyze()
    queries_small, _seconds, items_small = due_item_queries()
    loader.load(small + 1, args.referrals)
    reset_sequences()
    seed.rebuild_counts()  # the app's report tables, which COPY bypassed
    analyze()
    load_seconds = time.perf_counter() - started
    open_referrals = Referral.objects.filter(status__in=list(STATUS_MIX)).count()
    print(
        f"Loaded {open_referrals} open referrals, "
        f"{QuestionnaireResponse.objects.count()} questionnaires and "
        f"{TherapyLetter.objects.count()} reports in {load_seconds:.1f} s "
        f"({connection.vendor})"
    )
    queries_full, search_seconds, items_full = due_item_queries()
    print(
        f"due_items(): {queries_small} queries at {small} referrals ({items_small} items), "
        f"{queries_full} queries at {args.referrals} ({items_full} items, {search_seconds:.2f} s)"
    )
    print(f"queries independent of size: {'yes' if queries_small == queries_full else 'no'}")

    watch = Stopwatch()
    watch.wrap(sweep, "due_items", "due_items")
    watch.wrap(delivery, "deliver_batch", "deliver_batch")
    watch.wrap(delivery, "send_email", "send_email")
    first = timed_sweep("First run (everything due)", watch)
    second = timed_sweep("Second run (nothing new)", watch)
    if connection.vendor == "postgresql":
        # A diagnosis, not a fix: the planner's high cost estimates switch on PostgreSQL's JIT,
        # whose compiling can cost more than the search itself.
        jit = {}
        for setting in ("on", "off"):
            with connection.cursor() as cursor:
                cursor.execute(f"SET jit = {setting}")
            jit[setting] = due_item_queries()[1]
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
        print(f"\ndue_items() with PostgreSQL's JIT on: {jit['on']:.2f} s, off: {jit['off']:.2f} s")
    unsent = Notification.objects.filter(sent_at__isnull=True).count()
    print(f"\nNotifications: {Notification.objects.count()}, unsent after both runs: {unsent}")
    verdict = "met" if first < TARGET_SECONDS else "missed"
    print(
        f"First run {first:.1f} s, second run {second:.1f} s: target of {TARGET_SECONDS} s "
        f"for {args.referrals} referrals {verdict}."
    )
    print(f"Total bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(ARGS)
