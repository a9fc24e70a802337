"""Security to the Dutch healthcare norms (NEN 7510, AVG): two factors, lockout, session limits,
headers, production settings, and no BSN, name or secret in a URL, a log line or an email.

Every sign-in here goes through the login view (POST /accounts/login/), as a browser would:
django-axes only sees attempts that carry a request.
"""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessLog
from patients.models import Patient
from referrals import readiness
from referrals.models import Referral, Status

from .conftest import DEAD_BROKER_URL
from .factories import TEST_PASSWORD, enrolment_path, fake_bsn, passkey_of
from .test_permission_matrix import _route, build_world, database_snapshot, diff, url_names

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")


def sign_in(client: Client, user, password: str = TEST_PASSWORD):
    return client.post(LOGIN, {"username": user.email, "password": password})


def sign_in_email(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def current_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now (TOTP, RFC 6238, the device's own time step)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


# --- Two factors --------------------------------------------------------------------------------

# Pages with patient data a GP opens, on the `referral` fixture (sent by `gp` to `therapist`).
GP_PATIENT_PAGES = {
    "patients:list": lambda r: {},
    "patients:create": lambda r: {},
    "patients:detail": lambda r: {"pk": r.patient_id},
    "patients:export": lambda r: {"pk": r.patient_id},
    "referrals:worklist": lambda r: {},
    "referrals:detail": lambda r: {"pk": r.pk},
    "referrals:letter": lambda r: {"pk": r.pk},
    "referrals:cancel": lambda r: {"pk": r.pk},
    "dashboard:page": lambda r: {},
}
# The only URLs a signed-in user reaches before the second factor.
BEFORE_SECOND_FACTOR = {
    "healthz",
    "set_language",
    "accounts:logout",
    "accounts:two_factor_verify",
    "accounts:two_factor_setup",
    "accounts:enrolment_pending",
    # The links of the account e-mails: public, like the sign-in page (tokens not valid here).
    "accounts:enrol",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    # The passkey step is the second factor itself: its challenge, its answer (refused here:
    # no passkey answers) and its script's texts; registering refuses (403) an enrolled user
    # who has not passed it (tests/test_passkeys.py).
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
}


def gp_pages(referral) -> dict[str, str]:
    return {name: reverse(name, kwargs=kw(referral)) for name, kw in GP_PATIENT_PAGES.items()}


@pytest.fixture
def require_2fa(settings):
    settings.LOOPBAAN_REQUIRE_2FA = True


def test_without_a_device_every_patient_page_sends_to_enrolment(require_2fa, client, referral):
    response = sign_in(client, referral.gp)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(referral.gp.pk)

    for name, url in gp_pages(referral).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(f"{SETUP}?next="), name


def test_with_a_device_every_patient_page_asks_for_the_code_then_opens(
    require_2fa, client, referral
):
    device = TOTPDevice.objects.create(user=referral.gp, name="phone", confirmed=True)
    sign_in(client, referral.gp)
    pages = gp_pages(referral)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(f"{VERIFY}?next="), name

    response = client.post(VERIFY, {"token": current_code(device), "next": pages["patients:list"]})

    assert response.status_code == 302
    assert response.url == pages["patients:list"]
    for name, url in pages.items():
        assert client.get(url).status_code == 200, name


def test_a_wrong_code_does_not_open_the_patient_pages(require_2fa, client, referral):
    device = TOTPDevice.objects.create(user=referral.gp, name="phone", confirmed=True)
    sign_in(client, referral.gp)
    wrong = f"{(int(current_code(device)) + 1) % 10**6:06d}"

    response = client.post(VERIFY, {"token": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert client.get(reverse("patients:list")).url.startswith(VERIFY)


@pytest.mark.parametrize("method", ["get", "post"])
def test_before_the_second_factor_no_url_of_the_project_answers(
    method, require_2fa, client, request
):
    world = build_world(request)
    gp = world.users["gp"]
    TOTPDevice.objects.create(user=gp, name="phone", confirmed=True)
    passkey_of(gp)  # the passkey pages' object, made before the snapshot
    sign_in(client, gp)
    before = database_snapshot()

    answered = {}
    for name in [*url_names(), "admin:index"]:
        if name in BEFORE_SECOND_FACTOR:
            continue
        url = world.url(name) if name != "admin:index" else reverse(name)
        response = getattr(client, method)(url)
        if response.status_code != 302 or not response.url.startswith(f"{VERIFY}?next="):
            answered[name] = response.status_code

    assert answered == {}
    assert diff(before, database_snapshot()) == []


def test_enrolment_shows_a_qr_code_and_the_key_then_ten_recovery_codes(
    require_2fa, client, referral
):
    gp = referral.gp
    sign_in(client, gp)
    assert client.get(enrolment_path(gp)).url == SETUP

    page = client.get(SETUP)

    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=gp, confirmed=False)
    assert "<svg" in page.text
    assert page.context["secret"] in page.text
    assert page.context["secret"].replace(" ", "") == device.config_url.split("secret=")[1][:32]

    response = client.post(SETUP, {"token": current_code(device)})

    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    assert all(f"<code>{code}</code>" in response.text for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=gp).count() == 10
    detail = reverse("patients:detail", kwargs={"pk": referral.patient_id})
    assert client.get(detail).status_code == 200


def test_enrolment_refuses_a_wrong_code(require_2fa, client, gp):
    sign_in(client, gp)
    client.get(enrolment_path(gp))
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=gp)
    wrong = f"{(int(current_code(device)) + 1) % 10**6:06d}"

    response = client.post(SETUP, {"token": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.filter(device__user=gp).exists()
    assert client.get(reverse("patients:list")).url.startswith(SETUP)


def test_a_recovery_code_works_once(require_2fa, client, gp):
    TOTPDevice.objects.create(user=gp, name="phone", confirmed=True)
    recovery = StaticDevice.objects.create(user=gp, name="recovery", confirmed=True)
    StaticToken.objects.create(device=recovery, token="rcvr2fa1")
    worklist = reverse("referrals:worklist")
    sign_in(client, gp)

    first = client.post(VERIFY, {"token": "rcvr2fa1", "next": worklist})

    assert first.status_code == 302
    assert first.url == worklist
    assert client.get(worklist).status_code == 200
    assert not StaticToken.objects.filter(device=recovery).exists()

    client.post(reverse("accounts:logout"))
    sign_in(client, gp)
    again = client.post(VERIFY, {"token": "rcvr2fa1", "next": worklist})

    assert again.status_code == 200
    assert again.context["form"].errors["token"]
    assert client.get(worklist).url.startswith(VERIFY)


def test_the_admin_sees_no_medical_detail_unless_the_look_is_logged(admin, referral, client_for):
    Referral.objects.filter(pk=referral.pk).update(medication="Sertraline-TESTMARK 50 mg")
    url = reverse("admin:referrals_referral_change", args=[referral.pk])

    response = client_for(admin).get(url)

    assert response.status_code == 200
    shown = "Sertraline-TESTMARK" in response.text or referral.patient.surname in response.text
    logged = AccessLog.objects.filter(patient_id=referral.patient_id, user=admin).exists()
    assert logged or not shown


# --- Lockout, with Redis gone -------------------------------------------------------------------

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


@pytest.fixture
def redis_down(settings, celery_broker):
    """Every Redis URL points at a closed port: lockout must not depend on Redis."""
    settings.REDIS_URL = DEAD_BROKER_URL
    settings.CELERY_BROKER_URL = DEAD_BROKER_URL
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_BROKER_URL,
        }
    }
    with celery_broker(DEAD_BROKER_URL):
        yield


def _page_text(response, email: str) -> str:
    """The page without what differs per request or per account typed: CSRF token, the email."""
    return CSRF_VALUE.sub(r"\1-\2", response.text).replace(email, "EMAIL")


def test_five_failures_lock_the_account_for_15_minutes_with_redis_down(redis_down, client, gp):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _attempt in range(4):
            assert sign_in(client, gp, "wrong-password").status_code == 200
        assert sign_in(client, gp, "wrong-password").status_code == 429

        locked = sign_in(client, gp)  # the 6th attempt, with the right password

        assert locked.status_code == 429
        assert SESSION_KEY not in client.session
        assert client.get(reverse("referrals:worklist")).status_code == 302

        clock.shift(timedelta(minutes=15, seconds=1))  # 15 minutes after the last attempt
        opened = sign_in(client, gp)

        assert opened.status_code == 302
        assert client.session[SESSION_KEY] == str(gp.pk)


def test_an_attempt_during_the_lockout_does_not_start_the_15_minutes_again(redis_down, client, gp):
    """Found by the attacker: every attempt restarted the lockout, so about four requests an
    hour kept a GP out for good. AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off now."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _attempt in range(5):
            sign_in(client, gp, "wrong-password")
        clock.shift(timedelta(minutes=10))
        assert sign_in(client, gp, "wrong-password").status_code == 429

        clock.shift(timedelta(minutes=5, seconds=1))  # 15 minutes after the lockout began
        assert sign_in(client, gp).status_code == 302
        assert client.session[SESSION_KEY] == str(gp.pk)


def test_a_locked_account_and_an_unknown_one_get_the_same_page(redis_down, gp):
    pages = {}
    for email in (gp.email, "nobody-here@example.org"):
        client = Client()
        for _attempt in range(5):
            sign_in_email(client, email, "wrong-password")
        locked = sign_in_email(client, email, TEST_PASSWORD)
        assert locked.status_code == 429
        pages[email] = _page_text(locked, email)

    assert pages[gp.email] == pages["nobody-here@example.org"]


def test_a_lockout_of_one_account_leaves_colleagues_alone(redis_down, client, gp, manager):
    for _attempt in range(5):
        sign_in(client, gp, "wrong-password")

    response = sign_in(Client(), manager)

    assert response.status_code == 302


# --- Session limits -----------------------------------------------------------------------------


def test_idle_for_29_minutes_works_and_renews_31_minutes_signs_out(client, gp):
    worklist = reverse("referrals:worklist")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, gp)
        clock.shift(timedelta(minutes=29))
        assert client.get(worklist).status_code == 200
        clock.shift(timedelta(minutes=29))  # 58 minutes after signing in: renewed at 29
        assert client.get(worklist).status_code == 200

        clock.shift(timedelta(minutes=31))
        response = client.get(worklist)

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={worklist}"


def _active_for_12_hours_and_a_minute(client, gp, clock) -> None:
    worklist = reverse("referrals:worklist")
    sign_in(client, gp)
    for _step in range(36):  # a request every 20 minutes: exactly 12 hours
        clock.shift(timedelta(minutes=20))
        assert client.get(worklist).status_code == 200
    clock.shift(timedelta(minutes=1))


def test_an_active_session_ends_after_12_hours(client, gp):
    worklist = reverse("referrals:worklist")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _active_for_12_hours_and_a_minute(client, gp, clock)

        response = client.get(worklist)
        after = client.get(worklist)

    assert response.status_code == 302
    assert response.url == LOGIN
    assert SESSION_KEY not in client.session
    assert after.status_code == 302
    assert after.url == f"{LOGIN}?next={worklist}"


def test_after_12_hours_no_patient_page_is_served(gp):
    """Whatever the first answer after 12 hours looks like, the session no longer opens pages."""
    client = Client(raise_request_exception=False)
    worklist = reverse("referrals:worklist")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _active_for_12_hours_and_a_minute(client, gp, clock)

        response = client.get(worklist)
        after = client.get(worklist)

    assert response.status_code != 200
    assert SESSION_KEY not in client.session
    assert after.status_code == 302
    assert after.url == f"{LOGIN}?next={worklist}"


def test_signing_in_starts_a_new_session_key(client, gp):
    client.session  # noqa: B018 - the test client creates an anonymous session on first access
    before = client.cookies["sessionid"].value

    sign_in(client, gp)

    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_a_password_change_ends_the_other_sessions_but_keeps_this_one(client, gp):
    elsewhere = Client()
    sign_in(client, gp)
    sign_in(elsewhere, gp)
    worklist = reverse("referrals:worklist")
    assert elsewhere.get(worklist).status_code == 200

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "een-nieuw-Wachtwoord-2025",
            "new_password2": "een-nieuw-Wachtwoord-2025",
        },
    )

    assert response.status_code == 302
    assert client.get(worklist).status_code == 200
    signed_out = elsewhere.get(worklist)
    assert signed_out.status_code == 302
    assert signed_out.url == f"{LOGIN}?next={worklist}"


# --- Headers and cookies ------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def test_a_patient_page_sends_the_security_headers(settings, referral, client_for):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    url = reverse("patients:detail", kwargs={"pk": referral.patient_id})

    response = client_for(referral.gp).get(url, secure=True)

    assert response.status_code == 200
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp.get("script-src", csp["default-src"])
    assert "'unsafe-eval'" not in csp.get("script-src", csp["default-src"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("referrals:letter", "get"),
        ("patients:export", "post"),
        ("dashboard:monthly_csv", "get"),
        ("dashboard:pdf", "get"),
    ],
)
def test_documents_and_exports_are_not_stored_by_the_browser(name, method, referral, client_for):
    kwargs = {"pk": referral.patient_id if name.startswith("patients") else referral.pk}
    url = reverse(name, kwargs=kwargs if "<" in _route(name) else {})

    response = getattr(client_for(referral.gp), method)(url)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_httponly_and_samesite_lax(client, gp):
    response = sign_in(client, gp)

    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


# --- Production settings, in a fresh interpreter ------------------------------------------------

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
    "DJANGO_ALLOWED_HOSTS": "loopbaan.example.org",
    "EMAIL_URL": "smtp+tls://loopbaan:secret@mail.example.org:587",
    "DEFAULT_FROM_EMAIL": "Loopbaan <loopbaan@praktijk-voorbeeld.nl>",
    "LOOPBAAN_REQUIRE_2FA": "0",  # ignored in production
    "WEBAUTHN_RP_ID": "loopbaan.example.org",
    "WEBAUTHN_ORIGINS": "https://loopbaan.example.org",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}
SHOW_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'DEBUG': s.DEBUG, 'SECURE_HSTS_SECONDS': s.SECURE_HSTS_SECONDS, "
    "'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, 'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, "
    "'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT, 'LOOPBAAN_REQUIRE_2FA': s.LOOPBAAN_REQUIRE_2FA, "
    "'SESSION_COOKIE_AGE': s.SESSION_COOKIE_AGE, "
    "'SESSION_ABSOLUTE_LIMIT': s.SESSION_ABSOLUTE_LIMIT.total_seconds()}))"
)


@pytest.fixture(scope="module")
def production() -> dict[str, subprocess.CompletedProcess]:
    """manage.py with production settings (no DJANGO_DEBUG), both runs at once."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOOPBAAN_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL"):
        clean.pop(name, None)
    runs = {
        "settings": ("shell", "-c", SHOW_SETTINGS),
        "deploy_check": ("check", "--deploy", "--fail-level", "WARNING"),
    }
    started = {
        name: subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**clean, **PRODUCTION_ENV},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in runs.items()
    }
    results = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=120)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return results


def test_production_settings_force_https_hsts_and_two_factors(production):
    result = production["settings"]
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])

    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["LOOPBAAN_REQUIRE_2FA"] is True  # even with LOOPBAAN_REQUIRE_2FA=0 set
    assert values["SESSION_COOKIE_AGE"] == 30 * 60
    assert values["SESSION_ABSOLUTE_LIMIT"] == 12 * 3600


def test_production_settings_pass_check_deploy_at_warning_level(production):
    result = production["deploy_check"]
    assert result.returncode == 0, result.stdout + result.stderr


# --- No BSN, name or secret in URLs, logs or emails ---------------------------------------------


class RecordingClient(Client):
    """A test client that remembers every URL it asked for and every redirect it was sent to."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.urls: list[str] = []

    def request(self, **request):
        response = super().request(**request)
        query = request.get("QUERY_STRING", "")
        self.urls.append(request["PATH_INFO"] + (f"?{query}" if query else ""))
        if "Location" in response.headers:
            self.urls.append(response.headers["Location"])
        return response


PATIENT = {
    "bsn": fake_bsn(777),
    "initials": "X.",
    "first_name": "Xantippa",
    "tussenvoegsel": "van",
    "surname": "Quakkelsteijn",
    "date_of_birth": "1984-02-29",
    "sex": Patient.Sex.FEMALE,
    "phone": "0612345678",
    "email": "x.quakkelsteijn@example.org",
    "address": "Teststraat 12",
    "postcode": "3521 AB",
    "city": "Utrecht",
}
REFERRAL = {
    "consent_given": "on",
    "complaint": "P03",
    "severity": "mild",
    "uses_antidepressant": "False",
    "question": "Graag hardlooptherapie.",
    "purpose": "treatment",
    "funding": "self_pay",
    "urgency": "routine",
    "risk_suicidality": "False",
    "risk_psychosis": "False",
    "risk_bipolar": "False",
}
FITNESS_NO = dict.fromkeys((q.key for q in (*readiness.GENERAL, *readiness.DELAY)), "False")


def _identifying(bsn: str) -> list[str]:
    """The BSN as typed in any grouping, and the patient's names."""
    return [
        bsn,
        f"{bsn[:4]} {bsn[4:6]} {bsn[6:]}",
        f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}",
        PATIENT["first_name"],
        PATIENT["surname"],
    ]


@pytest.fixture
def all_logs(caplog):
    """Every record of every logger, at DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_the_gp_journey_puts_no_bsn_or_name_in_urls_logs_or_emails(
    all_logs, gp, therapist, django_capture_on_commit_callbacks
):
    gp_client, therapist_client = RecordingClient(), RecordingClient()
    sign_in(gp_client, gp)

    registered = gp_client.post(reverse("patients:create"), PATIENT)
    assert registered.status_code == 302, registered.context["form"].errors
    patient = Patient.objects.get(bsn=PATIENT["bsn"], practice=gp.practice)
    for query in (PATIENT["bsn"], PATIENT["surname"], "29-02-1984"):
        found = gp_client.post(reverse("patients:list"), {"query": query})
        assert list(found.context["page"].object_list) == [patient]
    gp_client.get(reverse("patients:detail", kwargs={"pk": patient.pk}))

    started = gp_client.post(reverse("referrals:start", kwargs={"patient_pk": patient.pk}))
    referral = Referral.objects.get(patient=patient)
    assert started.url == reverse("referrals:edit", kwargs={"pk": referral.pk})
    pk = {"pk": referral.pk}
    assert gp_client.post(reverse("referrals:edit", kwargs=pk), REFERRAL).status_code == 302
    assert gp_client.post(reverse("referrals:fitness", kwargs=pk), FITNESS_NO).status_code == 302
    gp_client.get(reverse("referrals:therapist", kwargs=pk))
    chosen = gp_client.post(
        reverse("referrals:therapist", kwargs=pk), {"therapist": therapist.therapist.pk}
    )
    assert chosen.status_code == 302
    gp_client.get(reverse("referrals:send", kwargs=pk))
    with django_capture_on_commit_callbacks(execute=True):
        sent = gp_client.post(reverse("referrals:send", kwargs=pk))
    assert sent.status_code == 302
    gp_client.get(reverse("referrals:detail", kwargs=pk))
    assert gp_client.get(reverse("referrals:letter", kwargs=pk)).status_code == 200

    sign_in(therapist_client, therapist)
    therapist_client.get(reverse("referrals:incoming"))
    therapist_client.get(reverse("referrals:detail", kwargs=pk))
    with django_capture_on_commit_callbacks(execute=True):
        therapist_client.post(reverse("referrals:accept", kwargs=pk))
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED

    emails = [
        "\n".join(
            [
                message.subject,
                message.body,
                *message.to,
                *(content for content, _type in getattr(message, "alternatives", [])),
            ]
        )
        for message in mail.outbox
    ]
    assert len(emails) == 2  # the therapist's new referral, the GP's answer
    # The message with its arguments filled in, and any traceback.
    logs = [logging.Formatter("%(name)s %(message)s").format(r) for r in all_logs.records]
    assert logs, "no log records captured"
    urls = gp_client.urls + therapist_client.urls
    access_log = [" ".join(map(str, row)) for row in AccessLog.objects.values_list()]
    assert access_log, "the access log wrote nothing"
    for text in _identifying(PATIENT["bsn"]):
        assert [url for url in urls if text.lower() in url.lower()] == [], text
        assert [line for line in logs if text in line] == [], text
        assert [email for email in emails if text in email] == [], text
        assert [row for row in access_log if text in row] == [], text


def test_no_url_pattern_takes_a_bsn():
    def routes(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from routes(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route

    found = list(routes(get_resolver().url_patterns))
    assert found
    assert [route for route in found if "bsn" in route.lower()] == []


def test_the_authenticator_key_is_in_no_url(require_2fa, gp):
    client = RecordingClient()
    sign_in(client, gp)
    client.get(enrolment_path(gp), follow=True)
    device = TOTPDevice.objects.get(user=gp)
    key = device.config_url.split("secret=")[1].split("&")[0]

    assert client.urls
    assert [url for url in client.urls if key in url] == []
