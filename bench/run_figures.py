"""`make bench`'s figures taken in its own process: sign-in, the pages and their query counts,
the letter, the all-practice report and the reminder sweep.

`targets(plan)` signs in a sample of GPs, therapists and practice managers (and the small
practice's users) by writing Django sessions that carry a confirmed TOTP device, and returns the
pages for wrk (bench/run_load.py) and for `query_counts`. Imports models: import it after
django.setup().
"""

import statistics
import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import SIGNED_IN_AT
from accounts.models import User
from bench import seed
from bench.run_fhir import fhir_targets
from bench.run_load import HOST
from referrals.models import Referral, Status

SAMPLE_USERS = 40  # GPs and therapists each, signed in for wrk to take turns over
REFERRALS_PER_GP = 3


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
    if key.startswith("Bearer "):
        return Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=key)
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
    pages["FHIR referral search"], small_fhir = fhir_targets(gps, by_role[User.Role.GP])
    small_referral = Referral.objects.filter(gp=by_role[User.Role.GP]).values_list("pk", flat=True)
    small_pages = {
        "trivial view": ("/bench/trivial/", keys[by_role[User.Role.GP].pk]),
        "GP worklist": ("/referrals/", keys[by_role[User.Role.GP].pk]),
        "referral page": (f"/referrals/{small_referral[0]}/", keys[by_role[User.Role.GP].pk]),
        "therapist home": ("/referrals/incoming/", keys[by_role[User.Role.THERAPIST].pk]),
        "practice dashboard": ("/reports/", keys[by_role[User.Role.PRACTICE_MANAGER].pk]),
        "FHIR referral search": small_fhir,
    }
    return pages, small_pages


def session_of(header: str) -> str:
    """The session key of a cookie header; a bearer token (the FHIR figure) as it is."""
    return header if header.startswith("Bearer ") else header.partition("=")[2]


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


# --- In-process figures --------------------------------------------------------------------------


def letter_figures(runs: int) -> tuple[float, float]:
    from weasyprint import HTML

    from bench import letter_bench
    from referrals.letters import render_referral_letter

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
    from django.test import override_settings

    from notifications import sweep as reminders

    mail.outbox = []
    open_referrals = Referral.objects.exclude(
        status__in=[Status.FOLLOWED_UP, Status.CANCELLED, Status.NOT_CLEARED]
    ).count()
    # Production settings send by SMTP; the bench counts what the sweep hands over, in memory.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        started = time.perf_counter()
        run = reminders.sweep(trigger="bench")
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = reminders.sweep(trigger="bench")
    return {
        "seconds": seconds,
        "sent": run.total,
        "open_referrals": open_referrals,
        "second_run_seconds": time.perf_counter() - started,
        "second_run_sent": again.total,
    }
