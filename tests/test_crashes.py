"""Nothing is lost when a process dies: real worker processes killed with SIGKILL, a mail server
that is away for a while, a database connection cut in the middle of sending a referral.

These need what production has: PostgreSQL (a worker process shares the test database, which
SQLite's in-memory test database cannot) and Redis. Skipped without them, except in CI, where
they fail. The mail server is a local aiosmtpd that records what it accepted; it can hold a
message (so a worker can be killed in the middle of handing it over) and refuse it.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import InterfaceError, OperationalError, connection

from notifications import delivery, tasks
from notifications.models import Notification
from notifications.sweep import sweep
from referrals import services
from referrals.models import Referral, ReferralDocument, Status

from .conftest import redis_test_url
from .factories import (
    draft_ready_to_send,
    unsent_email,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
LEASE_SECONDS = 3
WAIT_SECONDS = 60
Kind = Notification.Kind


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI") or os.environ.get("LOOPBAAN_REQUIRE_BROWSER"):
            pytest.fail("the crash tests need PostgreSQL (DATABASE_URL) in CI")
        pytest.skip("the crash tests need PostgreSQL: a worker process shares the database")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


class Recorder:
    """An SMTP handler that keeps what it accepted; it can hold the next message until told."""

    def __init__(self) -> None:
        self.accepted: list = []
        self.hold_next = False
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.hold_next:
            self.hold_next = False
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            # The sender is gone by now; this message is not accepted.
            return "451 4.3.0 held by the test and dropped"
        self.accepted.append(message_from_bytes(envelope.original_content))
        return "250 2.0.0 accepted"

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.accepted]


@pytest.fixture
def mail_server(settings):
    """A local SMTP server, and the app's mail pointed at it (in this process and in workers)."""
    port = free_port()
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.NOTIFICATION_LEASE_SECONDS = LEASE_SECONDS
    recorder.port, recorder.controller = port, controller
    try:
        yield recorder
    finally:
        recorder.release.set()
        controller.stop()


@pytest.fixture
def broker(celery_broker):
    require_postgresql()
    url = redis_test_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    client.flushdb()
    try:
        with celery_broker(url) as app:
            yield app, url
    finally:
        client.flushdb()
        client.close()


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(*, broker_url: str, smtp_port: int) -> dict[str, str]:
    """The environment of a worker, beat or command process on the test database and Redis."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DJANGO_DEBUG": "1",
        "NOTIFICATION_LEASE_SECONDS": str(LEASE_SECONDS),
        "NOTIFICATION_RETRY_BACKOFF_SECONDS": "1",
        "OUTBOX_FLUSH_SECONDS": "1",
    }


@pytest.fixture
def start_process(tmp_path):
    """Start real processes (a `celery worker`, `celery beat`, a command) on the test database
    and Redis; kill whatever still runs after the test."""
    started: list[subprocess.Popen] = []

    def start(args: list[str], *, broker_url: str, smtp_port: int) -> subprocess.Popen:
        log = open(tmp_path / f"process-{len(started)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=process_env(broker_url=broker_url, smtp_port=smtp_port),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log_path = log.name
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


WORKER = ["-m", "celery", "-A", "config.celery:app", "worker", "--without-gossip"]
WORKER += ["--without-mingle", "--without-heartbeat", "--loglevel=INFO"]


@pytest.fixture
def start_worker(start_process):
    def start(*, broker_url: str, smtp_port: int, pool: str = "solo") -> subprocess.Popen:
        args = [*WORKER, f"--pool={pool}"] + (["--concurrency=1"] if pool == "prefork" else [])
        return start_process(args, broker_url=broker_url, smtp_port=smtp_port)

    return start


@pytest.fixture
def start_beat(start_process, tmp_path):
    """`celery beat`: the outbox flush every second (OUTBOX_FLUSH_SECONDS)."""

    def start(*, broker_url: str, smtp_port: int) -> subprocess.Popen:
        schedule = str(tmp_path / "beat-schedule")
        args = ["-m", "celery", "-A", "config.celery:app", "beat", "--schedule", schedule]
        return start_process([*args, "--loglevel=INFO"], broker_url=broker_url, smtp_port=smtp_port)

    return start


def children_of(pid: int) -> list[int]:
    """The process's children, whichever of its threads forked them."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        path = task / "children"
        if path.exists():
            children += [int(child) for child in path.read_text().split()]
    return children


def worker_log(process) -> str:
    return Path(process.log_path).read_text()[-3000:]


def test_a_worker_killed_while_it_hands_over_an_email_loses_nothing(
    broker, mail_server, start_worker, gp, therapist
):
    """Today's code marks the row sent when it claims it: after the kill nothing resends it."""
    _app, broker_url = broker
    notification = unsent_email(gp, therapist)
    mail_server.hold_next = True

    worker = start_worker(broker_url=broker_url, smtp_port=mail_server.port)
    assert tasks.dispatch(notification.pk)
    assert mail_server.holding.wait(WAIT_SECONDS), "the worker never reached the mail server\n" + (
        worker_log(worker)
    )
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    mail_server.release.set()

    notification.refresh_from_db()
    assert notification.sent_at is None, "marked sent, but the mail server never accepted it"
    assert mail_server.accepted == []

    time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
    run = sweep(trigger="test")

    assert run.counts == {Kind.NEW_REFERRAL: 1}
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert mail_server.message_ids() == [delivery.message_id(notification)]
    assert mail_server.accepted[0]["To"] == therapist.email


def test_mail_is_retried_with_back_off_while_the_mail_server_is_away_and_sent_once_each(
    broker, settings, start_worker, start_beat, gp, therapist
):
    """The worker's failures are written on the rows with a retry time; beat's outbox flush
    tries them again, later each time, and sends each once the mail server is back."""
    _app, broker_url = broker
    port = free_port()  # nothing listens here yet: every connection is refused
    recorder = Recorder()
    settings.NOTIFICATION_LEASE_SECONDS = LEASE_SECONDS
    rows = [unsent_email(gp, therapist) for _ in range(3)]

    start_worker(broker_url=broker_url, smtp_port=port)
    start_beat(broker_url=broker_url, smtp_port=port)
    for row in rows:
        assert tasks.dispatch(row.pk)

    def failed_at_least_once() -> bool:
        return all(n.attempts >= 1 and n.last_error for n in Notification.objects.all())

    assert wait_for(failed_at_least_once), "the worker did not try while the server was away"
    assert Notification.objects.filter(sent_at__isnull=False).count() == 0

    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert wait_for(lambda: Notification.objects.filter(sent_at__isnull=True).count() == 0), (
            "the retries did not deliver once the server was back"
        )
        time.sleep(2)  # a duplicate would arrive now
    finally:
        controller.stop()

    expected = sorted(delivery.message_id(row) for row in rows)
    assert sorted(recorder.message_ids()) == expected, "each email exactly once"
    assert all(n.attempts >= 2 for n in Notification.objects.all())
    assert not Notification.objects.filter(gave_up_at__isnull=False).exists()


def test_a_prefork_child_killed_mid_send_is_resent_within_a_minute_without_a_sweep(
    broker, mail_server, start_worker, start_beat, gp, therapist
):
    """Found by the operator: a prefork worker acknowledged the task of a child killed with
    SIGKILL (WorkerLostError), and the e-mail waited for the next morning's sweep. Now beat's
    outbox flush takes the row again once the dead child's lease has run out."""
    _app, broker_url = broker
    notification = unsent_email(gp, therapist)
    mail_server.hold_next = True

    worker = start_worker(broker_url=broker_url, smtp_port=mail_server.port, pool="prefork")
    assert tasks.dispatch(notification.pk)
    assert mail_server.holding.wait(WAIT_SECONDS), "the worker never reached the mail server\n" + (
        worker_log(worker)
    )
    [child] = children_of(worker.pid)
    os.kill(child, signal.SIGKILL)
    mail_server.release.set()
    start_beat(broker_url=broker_url, smtp_port=mail_server.port)

    def sent() -> bool:
        return Notification.objects.filter(pk=notification.pk, sent_at__isnull=False).exists()

    assert wait_for(sent), "not resent without a sweep\n" + worker_log(worker)
    time.sleep(2)  # a duplicate would arrive now
    assert mail_server.message_ids() == [delivery.message_id(notification)]
    assert worker.poll() is None, "the worker itself lives on; only its child died"


def test_send_reminders_stopped_with_sigterm_gives_back_what_it_had_not_sent(
    broker, mail_server, start_process, gp, therapist
):
    """Found by the operator: a sweep stopped by SIGTERM (a deploy) left its whole batch held
    for the lease. Now it gives back what it had not sent, and the run is finished."""
    _app, broker_url = broker
    rows = [unsent_email(gp, therapist) for _ in range(3)]
    mail_server.hold_next = True

    command = start_process(
        ["manage.py", "send_reminders"], broker_url=broker_url, smtp_port=mail_server.port
    )
    assert mail_server.holding.wait(WAIT_SECONDS), worker_log(command)
    command.send_signal(signal.SIGTERM)
    mail_server.release.set()
    assert command.wait(WAIT_SECONDS) != 0
    assert "Traceback" not in worker_log(command), worker_log(command)

    states = list(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list(
            "sent_at", "claimed_at"
        )
    )
    assert states == [(None, None)] * 3, "nothing held, nothing marked sent"
    from notifications.models import ReminderRun

    run = ReminderRun.objects.get()
    assert run.finished_at is not None and "stopped" in run.errors


def test_a_database_connection_cut_while_sending_leaves_the_referral_whole(
    broker, monkeypatch, gp, therapist
):
    """After the letter is rendered, before commit, PostgreSQL ends the request's connection:
    afterwards the referral is still a draft with no letter and no email, never half sent."""
    referral = draft_ready_to_send(gp, therapist)
    real_render = services.render_referral_letter

    def render_then_lose_the_connection(current, **kwargs):
        pdf = real_render(current, **kwargs)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            [pid] = cursor.fetchone()
        with psycopg.connect(database_url(), autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        return pdf

    monkeypatch.setattr(services, "render_referral_letter", render_then_lose_the_connection)

    with pytest.raises((OperationalError, InterfaceError)):
        services.referral_send(referral=referral, by=gp)

    connection.close()  # the next query opens a new connection
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT and referral.sent_at is None
    assert not ReferralDocument.objects.filter(referral=referral).exists()
    assert not Notification.objects.filter(referral=referral).exists()

    monkeypatch.setattr(services, "render_referral_letter", real_render)
    sent = services.referral_send(referral=Referral.objects.get(pk=referral.pk), by=gp)
    assert sent.status == Status.SENT
    assert ReferralDocument.objects.filter(referral=referral).count() == 1
    assert Notification.objects.filter(referral=referral, kind=Kind.NEW_REFERRAL).count() == 1
