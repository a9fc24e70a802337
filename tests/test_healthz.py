"""/healthz: open to anyone, 200 when the database (and Redis, when configured) answer, else 503."""

import os

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db

EMPTY_OUTBOX = {"ok": True, "oldest_unsent_seconds": None, "gave_up": 0}


class UnreachableDatabase:
    """Stands in for `django.db.connection` during an outage: every cursor fails to connect."""

    def cursor(self):
        raise OperationalError("could not connect to server: Connection refused")


def real_redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("REDIS_URL must point at a Redis in CI")
        pytest.skip("REDIS_URL is not set")
    return url


def test_healthz_answers_anonymously_with_ok_and_database(client, settings):
    settings.REDIS_URL = ""

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": True, "outbox": EMPTY_OUTBOX}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.REDIS_URL = ""
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("accounts:login")).status_code == 301


def test_healthz_answers_503_when_the_database_is_down(client, settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr("accounts.views.connection", UnreachableDatabase())

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"ok": False, "database": False}


def test_healthz_answers_503_when_redis_cannot_be_reached(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {
        "ok": False,
        "database": True,
        "redis": False,
        "outbox": EMPTY_OUTBOX,
    }


@pytest.mark.redis
def test_healthz_reports_redis_when_it_answers(client, settings):
    settings.REDIS_URL = real_redis_url()

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "database": True,
        "redis": True,
        "outbox": EMPTY_OUTBOX,
    }


def test_healthz_refuses_post(client):
    assert client.post(reverse("healthz")).status_code == 405
