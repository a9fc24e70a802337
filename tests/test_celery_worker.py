"""A real Celery worker, fed through the Redis at REDIS_URL, runs beat's sweep and sends mail.

The worker runs in a thread of the test process (`celery.contrib.testing.worker.start_worker`),
on the tests' own Redis database number, which is flushed before and after. The test database is
used with real commits (`transaction=True`) so the worker's own connection sees the rows (on
SQLite too: Django's in-memory test database is opened in shared-cache mode).
Skipped without REDIS_URL, except in CI (CI or LOOPBAAN_REQUIRE_BROWSER set), where it fails.
"""

import time
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from notifications import tasks
from notifications.models import Notification, ReminderRun
from referrals.models import Status

from .conftest import redis_test_url
from .factories import PatientFactory, ReferralFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 20
DEFAULT_QUEUE = "celery"


@pytest.fixture
def redis_broker(celery_broker):
    """The Celery app queueing on the tests' Redis database, emptied before and after."""
    url = redis_test_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    client.flushdb()
    try:
        with celery_broker(url) as app:
            yield app, client
    finally:
        client.flushdb()
        client.close()


def wait_for(condition, seconds: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_beats_sweep_queued_in_redis_is_run_by_a_real_worker_and_sends_the_reminder(
    redis_broker, gp, therapist
):
    app, client = redis_broker
    referral = ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.SENT,
        # Any five days hold at least three working days: the reminder is due by now.
        sent_at=timezone.now() - timedelta(days=5),
    )
    mail.outbox.clear()

    tasks.reminder_sweep.apply_async()
    # Queued, not run: the message waits in Redis until a worker takes it.
    assert client.llen(DEFAULT_QUEUE) == 1
    assert not Notification.objects.exists()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        # Watch the outbox, not the database: on SQLite the worker thread shares the in-memory
        # test database, and a read here while it writes could find a table locked.
        assert wait_for(lambda: len(mail.outbox) == 1), "no email from the worker within 20 s"

    notification = Notification.objects.get(referral=referral)
    assert notification.kind == Notification.Kind.REFERRAL_UNANSWERED
    assert notification.sent_at is not None
    assert [message.to for message in mail.outbox] == [[therapist.email]]
    assert notification.attempts == 1
    assert client.llen(DEFAULT_QUEUE) == 0
    run = ReminderRun.objects.get()
    assert (run.trigger, run.counts) == ("beat", {Notification.Kind.REFERRAL_UNANSWERED: 1})
