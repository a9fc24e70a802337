"""Personas for the tests: two practices, a GP in each, two therapists, a manager, an admin."""

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import translation

from accounts.models import User
from referrals.models import Status

from .factories import (
    FitnessCheckFactory,
    GPProfileFactory,
    PatientFactory,
    PracticeFactory,
    ReferralDocumentFactory,
    ReferralFactory,
    TherapistFactory,
    UserFactory,
)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Hashing with PBKDF2 takes a noticeable share of a test; the tests don't test hashing."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _pdf_time_limit_for_a_loaded_machine():
    """The PDF limit (10 s in production) stops a pathological document; on a CI machine busy
    with browsers a normal letter's first render (fonts, stylesheet) once took longer. The
    tests of the limit itself set their own (tests/test_limits.py)."""
    with override_settings(PDF_RENDER_SECONDS=120):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Dutch: a request with an English cookie leaves English active in the
    thread, which would change the next test's dates (27/11/2026) and numbers (4.5)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Tasks run at once, in-process, even when REDIS_URL is set (as in CI).

    Tests that need a real worker (the Redis integration tests) switch this back off.
    """
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture
def practice(db):
    return PracticeFactory(name="Huisartsenpraktijk Test")


@pytest.fixture
def other_practice(db):
    return PracticeFactory(name="Gezondheidscentrum Elders")


@pytest.fixture
def gp(practice) -> User:
    return GPProfileFactory(user__practice=practice, user__email="gp@example.org").user


@pytest.fixture
def gp_other_practice(other_practice) -> User:
    return GPProfileFactory(user__practice=other_practice, user__email="gp-elders@example.org").user


@pytest.fixture
def therapist(db) -> User:
    """A verified therapist's user."""
    return TherapistFactory(verified=True, user__email="therapist@example.org").user


@pytest.fixture
def therapist_other(db) -> User:
    return TherapistFactory(verified=True, user__email="therapist-other@example.org").user


@pytest.fixture
def manager(practice) -> User:
    return UserFactory(
        role=User.Role.PRACTICE_MANAGER, practice=practice, email="manager@example.org"
    )


@pytest.fixture
def admin(db) -> User:
    return UserFactory(admin=True, email="admin@example.org")


@pytest.fixture
def referral(gp, therapist):
    """Sent by `gp` to `therapist`, with the GP's fitness check and the letter as sent."""
    referral = ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.SENT,
    )
    FitnessCheckFactory(referral=referral)
    ReferralDocumentFactory(referral=referral)
    return referral


@pytest.fixture
def client_for(db) -> Callable[[User], Client]:
    """`client_for(user)`: a test client signed in as `user`."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def referral_in_therapy(gp, therapist):
    """Sent by `gp` to `therapist`, intake four weeks ago, in therapy since."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    return ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
        intake_date=timezone.localdate() - timedelta(days=28),
        intake_done_at=now - timedelta(days=28),
        therapy_started_at=now - timedelta(days=27),
    )


# --- Celery against a real (or a dead) broker ---------------------------------------------------

import contextlib  # noqa: E402
import os  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

DEAD_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
TEST_REDIS_DB = 5


def redis_test_url() -> str:
    """REDIS_URL with the tests' own database number; skip without it, fail in CI."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if os.environ.get("CI") or os.environ.get("LOOPBAAN_REQUIRE_BROWSER"):
            pytest.fail(
                "REDIS_URL must point at a Redis when CI or LOOPBAAN_REQUIRE_BROWSER is set"
            )
        pytest.skip("REDIS_URL is not set")
    return urlunsplit(urlsplit(url)._replace(path=f"/{TEST_REDIS_DB}"))


def _forget_broker_connections(app) -> None:
    """Drop pooled connections, so the next publish connects to whatever broker_url says now."""
    from kombu import pools

    pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def celery_broker():
    """`with celery_broker(url) as app:` tasks are queued on `url` (eager mode off) inside."""
    from config.celery import app

    @contextlib.contextmanager
    def point_at(url: str):
        keys = ("broker_url", "task_always_eager", "worker_hijack_root_logger")
        saved = {key: app.conf[key] for key in keys}
        _forget_broker_connections(app)
        app.conf.update(broker_url=url, task_always_eager=False, worker_hijack_root_logger=False)
        try:
            yield app
        finally:
            _forget_broker_connections(app)
            app.conf.update(saved)

    return point_at
