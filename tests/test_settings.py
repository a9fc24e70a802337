"""Settings from the environment: production passes `check --deploy`, no secret means no start,
and the interface is Dutch until the user picks English."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
    "DJANGO_ALLOWED_HOSTS": "loopbaan.example.org",
    "EMAIL_URL": "smtp+tls://loopbaan:secret@mail.example.org:587",
    "DEFAULT_FROM_EMAIL": "Loopbaan <loopbaan@praktijk-voorbeeld.nl>",
    "WEBAUTHN_RP_ID": "loopbaan.example.org",
    "WEBAUTHN_ORIGINS": "https://loopbaan.example.org",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}
NO_PASSKEYS = {k: v for k, v in PRODUCTION.items() if not k.startswith("WEBAUTHN_")}
NO_EMAIL = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
DEPLOY_CHECK = ("check", "--deploy", "--fail-level", "WARNING")

# name -> (manage.py arguments, the only Django environment variables set)
RUNS = {
    "production": (DEPLOY_CHECK, PRODUCTION),
    "debug_0": (DEPLOY_CHECK, {**PRODUCTION, "DJANGO_DEBUG": "0"}),
    "no_secret": (("check",), {}),
    "no_email": (("check",), NO_EMAIL),
    "console_email": (("check",), {**PRODUCTION, "EMAIL_URL": "consolemail://"}),
    "dummy_email": (("check",), {**PRODUCTION, "EMAIL_URL": "dummymail://"}),
    "noreply_sender": (DEPLOY_CHECK, {**PRODUCTION, "DEFAULT_FROM_EMAIL": "noreply@example.org"}),
    "slow_mail_beyond_the_lease": (
        DEPLOY_CHECK,
        {**PRODUCTION, "EMAIL_TIMEOUT": "900", "NOTIFICATION_LEASE_SECONDS": "60"},
    ),
    "debug_no_secret": (("check",), {"DJANGO_DEBUG": "1"}),
    "no_passkey_settings": (DEPLOY_CHECK, NO_PASSKEYS),
    "no_shared_cache": (DEPLOY_CHECK, {k: v for k, v in PRODUCTION.items() if k != "CACHE_URL"}),
    "passkey_origin_elsewhere": (
        DEPLOY_CHECK,
        {**PRODUCTION, "WEBAUTHN_ORIGINS": "http://loopbaan.example.org,https://evil.example"},
    ),
}


@pytest.fixture(scope="module")
def runs() -> dict[str, subprocess.CompletedProcess]:
    """Run manage.py for every case in RUNS at once, each in a fresh interpreter."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    for name in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CACHE_URL"):
        clean.pop(name, None)
    started = {
        name: subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**clean, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (args, env) in RUNS.items()
    }
    results = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=120)
        results[name] = subprocess.CompletedProcess(
            process.args, process.returncode, stdout, stderr
        )
    return results


def test_production_settings_pass_the_deploy_check_without_warnings(runs):
    result = runs["production"]
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_0_counts_as_production(runs):
    result = runs["debug_0"]
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_secret_key_production_refuses_to_start(runs):
    result = runs["no_secret"]
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("run", ["no_email", "console_email", "dummy_email"])
def test_without_a_mail_server_production_refuses_to_start(runs, run):
    """Found by the operator: without EMAIL_URL (or with a console or dummy one) every e-mail,
    safety alerts included, was marked sent while nobody received it, and `check --deploy` saw
    nothing wrong."""
    result = runs[run]
    assert result.returncode != 0
    assert "EMAIL_URL must name an SMTP server" in result.stderr


@pytest.mark.parametrize(
    ("run", "check"), [("noreply_sender", "loopbaan.W002"), ("slow_mail_beyond_the_lease", "W001")]
)
def test_the_deploy_check_warns_of_mail_settings_that_lose_or_double_e_mail(runs, run, check):
    result = runs[run]
    assert result.returncode != 0
    assert check in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("run", "check"),
    [("no_passkey_settings", "accounts.E010"), ("passkey_origin_elsewhere", "accounts.E011")],
)
def test_the_deploy_check_wants_the_passkey_relying_party_and_its_https_origins(runs, run, check):
    """Without them no passkey can be added or used; an origin on another site or over http
    would be one a phishing page could use."""
    result = runs[run]
    assert result.returncode != 0
    assert check in result.stderr + result.stdout


def test_debug_without_secret_key_uses_the_development_default(runs):
    result = runs["debug_no_secret"]
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_default_language_is_dutch_even_for_an_english_browser(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert '<html lang="nl">' in response.text
    assert response["Content-Language"] == "nl"


@pytest.mark.django_db
def test_choosing_english_turns_the_interface_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})

    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="nl")

    assert '<html lang="en">' in response.text
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_choosing_dutch_again_turns_the_interface_dutch(client):
    client.post(reverse("set_language"), {"language": "en"})
    client.post(reverse("set_language"), {"language": "nl"})

    assert '<html lang="nl">' in client.get(reverse("accounts:login")).text


@pytest.mark.django_db
def test_unknown_language_choice_falls_back_to_dutch(client):
    client.cookies["django_language"] = "de"

    assert '<html lang="nl">' in client.get(reverse("accounts:login")).text


def test_a_cache_per_process_is_reported_because_the_throttle_counts_in_it(runs):
    """Found in review: the known-device cookie's 5 failures were counted per gunicorn worker."""
    result = runs["no_shared_cache"]
    assert result.returncode != 0
    assert "accounts.W020" in result.stdout + result.stderr


def test_the_cache_url_names_a_shared_redis_cache():
    import environ

    parsed = environ.Env.cache_url_config("redis://redis:6379/1")
    assert parsed["BACKEND"].endswith("RedisCache")
