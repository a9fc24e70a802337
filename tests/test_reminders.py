"""Reminders that never get lost: every due rule at its boundary, the sweep that sends each
reminder once (twice run, run concurrently, through a broker outage and a failing mail server),
what the emails may say, the staff page of runs, and the due items on the homes and the badge.

Dates are fixed: time is frozen with time-machine and `today` is passed explicitly, so a rule is
tested on the day before it falls due and on the day it does.
"""

import re
import threading
import time
from datetime import date, datetime, timedelta
from io import StringIO
from smtplib import SMTPServerDisconnected
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from notifications import delivery, outbox, tasks
from notifications import due as due_module
from notifications import sweep as sweep_module
from notifications.models import Notification, ReminderRun
from outcomes.models import QuestionnaireResponse
from referrals.models import Referral, Status
from referrals.schedule import add_working_days
from therapy.models import TherapyLetter

from .conftest import DEAD_BROKER_URL
from .factories import (
    FitnessCheckFactory,
    GPProfileFactory,
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralFactory,
    SafetyAlertFactory,
    TherapyLetterFactory,
)

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
Kind = Notification.Kind
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A wall-clock moment in Amsterdam."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMS)


def frozen(day: date, hour: int = 8):
    """Freeze "now" at `hour` o'clock in Amsterdam on `day`."""
    return time_machine.travel(at(day, hour), tick=False)


def nl(message: str) -> str:
    with translation.override("nl"):
        return gettext(message)


def make(gp, therapist, status, **fields) -> Referral:
    """A referral of `gp`'s patient to `therapist` in `status`, with the dates given."""
    fields.setdefault("sent_at", None if status == Status.DRAFT else at(date(2026, 1, 5)))
    return ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=status,
        **fields,
    )


def due(referral: Referral, today: date, *kinds: str, **scope) -> list[tuple[str, date, str]]:
    """The due items of one referral on `today`: (kind, due date, detail)."""
    return [
        (item.kind, item.due_date, item.detail)
        for item in due_module.due_items(today=today, **scope)
        if item.referral_id == referral.pk and (not kinds or item.kind in kinds)
    ]


def answered(referral: Referral, week: int) -> None:
    """Both questionnaires of `week` entered."""
    for instrument in ("PHQ-9", "GAD-7"):
        QuestionnaireResponseFactory(
            referral=referral,
            instrument=instrument,
            week=week,
            answers=[1] * (9 if instrument == "PHQ-9" else 7),
            completed_on=referral.intake_date + timedelta(weeks=week),
        )


# 1. Every due rule at its boundary

MON = date(2026, 3, 2)  # a Monday; the week runs to Sunday 8 March
# Sent on ... -> the reminder falls due on the third working day after sending.
UNANSWERED_DUE = {
    MON: date(2026, 3, 5),  # Monday -> Thursday
    MON + timedelta(days=1): date(2026, 3, 6),  # Tuesday -> Friday
    MON + timedelta(days=2): date(2026, 3, 9),  # Wednesday -> Monday
    MON + timedelta(days=3): date(2026, 3, 10),  # Thursday -> Tuesday
    MON + timedelta(days=4): date(2026, 3, 11),  # Friday -> Wednesday
    MON + timedelta(days=5): date(2026, 3, 11),  # Saturday -> Wednesday
    MON + timedelta(days=6): date(2026, 3, 11),  # Sunday -> Wednesday
}


@pytest.mark.parametrize(
    ("sent_on", "falls_due"), list(UNANSWERED_DUE.items()), ids=lambda d: f"{d:%a}"
)
def test_unanswered_referral_falls_due_on_the_third_working_day(sent_on, falls_due, gp, therapist):
    assert add_working_days(sent_on, 3) == falls_due
    referral = make(gp, therapist, Status.SENT, sent_at=at(sent_on, 16))

    with frozen(falls_due - timedelta(days=1)):
        assert due(referral, falls_due - timedelta(days=1)) == []
    with frozen(falls_due):
        items = due_module.due_items(today=falls_due, therapist=therapist)
    assert [(i.referral_id, i.kind, i.due_date, i.recipient_id, i.age) for i in items] == [
        (referral.pk, Kind.REFERRAL_UNANSWERED, falls_due, therapist.pk, 0)
    ]


@pytest.mark.parametrize(
    ("sent_at", "falls_due"),
    [
        # Late on a Friday is still Friday: due Wednesday.
        (at(date(2026, 3, 6), 23, 30), date(2026, 3, 11)),
        (at(date(2026, 7, 3), 23, 30), date(2026, 7, 8)),  # summer time
        # Just after midnight on a Monday is Monday (in UTC still Sunday): due Thursday.
        (at(date(2026, 3, 9), 0, 30), date(2026, 3, 12)),
        (at(date(2026, 7, 6), 1, 30), date(2026, 7, 9)),  # summer time: UTC is two hours back
    ],
    ids=["fri-23.30", "fri-23.30-summer", "mon-00.30", "mon-01.30-summer"],
)
def test_the_day_of_sending_is_the_day_in_amsterdam(sent_at, falls_due, gp, therapist):
    referral = make(gp, therapist, Status.SENT, sent_at=sent_at)
    with frozen(falls_due):
        assert due(referral, falls_due - timedelta(days=1)) == []
        assert due(referral, falls_due) == [(Kind.REFERRAL_UNANSWERED, falls_due, "")]


@pytest.mark.parametrize(
    ("sent_at", "falls_due"),
    [
        # Autumn: clocks go back on Sunday 25 October 2026.
        (at(date(2026, 10, 23), 16), date(2026, 10, 28)),  # Friday -> Wednesday
        (at(date(2026, 10, 23), 23, 30), date(2026, 10, 28)),  # late Friday is Friday
        (at(date(2026, 10, 26), 0, 30), date(2026, 10, 29)),  # early Monday is Monday
        # Spring: clocks go forward on Sunday 29 March 2026.
        (at(date(2026, 3, 27), 23, 30), date(2026, 4, 1)),
        (at(date(2026, 3, 30), 0, 30), date(2026, 4, 2)),
    ],
    ids=["oct-fri-16.00", "oct-fri-23.30", "oct-mon-00.30", "mar-fri-23.30", "mar-mon-00.30"],
)
def test_unanswered_referral_across_the_daylight_saving_change(sent_at, falls_due, gp, therapist):
    referral = make(gp, therapist, Status.SENT, sent_at=sent_at)
    with frozen(falls_due - timedelta(days=1)):
        assert due(referral, falls_due - timedelta(days=1)) == []
    with frozen(falls_due):
        assert due(referral, falls_due) == [(Kind.REFERRAL_UNANSWERED, falls_due, "")]


@pytest.mark.parametrize(
    "accepted_at",
    [
        at(date(2026, 3, 2), 9),
        at(date(2026, 3, 2), 23, 30),
        at(date(2026, 3, 2), 0, 30),
        at(date(2026, 10, 20), 23, 30),  # the fortnight spans the October change
    ],
    ids=["09.00", "23.30", "00.30", "across-dst"],
)
def test_intake_falls_overdue_14_days_after_acceptance(accepted_at, gp, therapist):
    referral = make(gp, therapist, Status.ACCEPTED, accepted_at=accepted_at)
    accepted_on = accepted_at.date()
    with frozen(accepted_on + timedelta(days=13)):
        assert due(referral, accepted_on + timedelta(days=13)) == []
    with frozen(accepted_on + timedelta(days=14)):
        assert due(referral, accepted_on + timedelta(days=14)) == [
            (Kind.INTAKE_OVERDUE, accepted_on + timedelta(days=14), "")
        ]


INTAKE = date(2026, 2, 2)


@pytest.fixture
def in_therapy(gp, therapist) -> Referral:
    return make(
        gp,
        therapist,
        Status.IN_THERAPY,
        sent_at=at(INTAKE - timedelta(days=10)),
        accepted_at=at(INTAKE - timedelta(days=8)),
        intake_date=INTAKE,
        therapy_started_at=at(INTAKE, 15),
    )


@pytest.mark.parametrize("week", [0, 5, 10])
def test_questionnaires_fall_due_at_weeks_0_5_and_10_and_overdue_8_days_later(week, in_therapy):
    for earlier in (0, 5, 10):
        if earlier < week:
            answered(in_therapy, earlier)
    questionnaires = (Kind.QUESTIONNAIRE_DUE, Kind.QUESTIONNAIRE_OVERDUE)
    falls_due = INTAKE + timedelta(days=7 * week)
    detail = nl("week %(week)s") % {"week": week}

    with translation.override("nl"):
        assert due(in_therapy, falls_due - timedelta(days=1), *questionnaires) == []
        assert due(in_therapy, falls_due, *questionnaires) == [
            (Kind.QUESTIONNAIRE_DUE, falls_due, detail)
        ]
        assert due(in_therapy, falls_due + timedelta(days=7), *questionnaires) == [
            (Kind.QUESTIONNAIRE_DUE, falls_due, detail)
        ]
        assert due(in_therapy, falls_due + timedelta(days=8), *questionnaires) == [
            (Kind.QUESTIONNAIRE_DUE, falls_due, detail),
            (Kind.QUESTIONNAIRE_OVERDUE, falls_due + timedelta(days=8), detail),
        ]


def test_questionnaires_are_due_until_both_are_entered(in_therapy):
    QuestionnaireResponseFactory(referral=in_therapy, instrument="PHQ-9", week=0)
    assert due(in_therapy, INTAKE, Kind.QUESTIONNAIRE_DUE) == [
        (Kind.QUESTIONNAIRE_DUE, INTAKE, "week 0")
    ]
    QuestionnaireResponseFactory(referral=in_therapy, instrument="GAD-7", week=0, answers=[1] * 7)
    assert due(in_therapy, INTAKE, Kind.QUESTIONNAIRE_DUE) == []


@pytest.mark.parametrize(
    ("kind", "days_after_intake"),
    [(TherapyLetter.Kind.INTAKE, 7), (TherapyLetter.Kind.PROGRESS, 42)],
)
def test_reports_fall_due_7_days_after_intake_and_42_days_after_intake(
    kind, days_after_intake, in_therapy
):
    other = {TherapyLetter.Kind.INTAKE, TherapyLetter.Kind.PROGRESS} - {kind}
    TherapyLetterFactory(referral=in_therapy, kind=other.pop())
    falls_due = INTAKE + timedelta(days=days_after_intake)

    assert due(in_therapy, falls_due - timedelta(days=1), Kind.LETTER_BACK_DUE) == []
    [(item_kind, due_date, _detail)] = due(in_therapy, falls_due, Kind.LETTER_BACK_DUE)
    assert (item_kind, due_date) == (Kind.LETTER_BACK_DUE, falls_due)

    TherapyLetterFactory(referral=in_therapy, kind=kind)
    assert due(in_therapy, falls_due + timedelta(days=30), Kind.LETTER_BACK_DUE) == []


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.STOPPED])
def test_follow_up_falls_due_on_its_date_and_overdue_15_days_later(status, gp, therapist):
    falls_due = date(2026, 5, 4)
    referral = make(gp, therapist, status, intake_date=date(2026, 2, 4), follow_up_due=falls_due)

    assert due(referral, falls_due - timedelta(days=1)) == []
    assert due(referral, falls_due) == [(Kind.FOLLOW_UP_DUE, falls_due, "")]
    assert due(referral, falls_due + timedelta(days=14)) == [(Kind.FOLLOW_UP_DUE, falls_due, "")]
    assert due(referral, falls_due + timedelta(days=15)) == [
        (Kind.FOLLOW_UP_DUE, falls_due, ""),
        (Kind.FOLLOW_UP_OVERDUE, falls_due + timedelta(days=15), ""),
    ]
    [item] = due_module.due_items(today=falls_due, gp=gp)
    assert item.recipient_id == gp.pk


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.DECLINED, Status.NOT_CLEARED, Status.CANCELLED]
)
def test_closed_and_unsent_referrals_have_nothing_due(status, gp, therapist):
    referral = make(
        gp,
        therapist,
        status,
        accepted_at=at(date(2026, 1, 6)),
        intake_date=date(2026, 1, 8),
        follow_up_due=date(2026, 4, 8),
    )
    assert due(referral, date(2026, 12, 1)) == []


# 2. The sweep sends each reminder once


TODAY = date(2026, 3, 11)  # a Wednesday
WORLD_COUNTS = {
    Kind.REFERRAL_UNANSWERED: 1,
    Kind.INTAKE_OVERDUE: 1,
    Kind.FOLLOW_UP_DUE: 1,
}


@pytest.fixture
def world(gp, therapist) -> dict[str, Referral]:
    """One referral per reminder, everything due on TODAY."""
    return {
        "unanswered": make(gp, therapist, Status.SENT, sent_at=at(TODAY - timedelta(days=7))),
        "intake": make(gp, therapist, Status.ACCEPTED, accepted_at=at(TODAY - timedelta(days=20))),
        "follow_up": make(
            gp,
            therapist,
            Status.COMPLETED,
            intake_date=TODAY - timedelta(days=120),
            follow_up_due=TODAY - timedelta(days=3),
        ),
    }


def test_sweep_run_twice_sends_each_reminder_once(world, gp, therapist, mailoutbox):
    with frozen(TODAY):
        first = sweep_module.sweep(today=TODAY, trigger="test")
        second = sweep_module.sweep(today=TODAY, trigger="test")

    assert first.counts == WORLD_COUNTS
    assert second.counts == {}
    assert len(mailoutbox) == 3
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [therapist.email, therapist.email, gp.email]
    )
    assert Notification.objects.count() == 3
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_sweep_on_the_next_days_sends_only_what_newly_fell_due(world, gp, mailoutbox):
    with frozen(TODAY):
        sweep_module.sweep(today=TODAY, trigger="test")
    later = TODAY + timedelta(days=12)  # the follow-up is now overdue (due + 15)
    with frozen(later):
        run = sweep_module.sweep(today=later, trigger="test")
    assert run.counts == {Kind.FOLLOW_UP_OVERDUE: 1}
    assert mailoutbox[-1].to == [gp.email]


def test_reminder_run_records_counts_per_kind_and_failures(world, gp, therapist, settings):
    with frozen(TODAY):
        run = sweep_module.sweep(today=TODAY, trigger="test")
    run.refresh_from_db()
    assert run.trigger == "test"
    assert run.counts == WORLD_COUNTS
    assert run.total == 3
    assert (run.failures, run.errors) == (0, "")
    assert run.finished_at is not None and run.finished_at >= run.started_at

    make(gp, therapist, Status.SENT, sent_at=at(TODAY - timedelta(days=8)))
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    with frozen(TODAY):
        failed = sweep_module.sweep(today=TODAY, trigger="test")
    failed.refresh_from_db()
    assert failed.counts == {}
    assert failed.failures == 1
    assert "referral_unanswered" in failed.errors
    assert "SMTPServerDisconnected" in failed.errors


# 3. Two at once


class SlowLocmemBackend(LocmemBackend):
    """The locmem outbox, slowed down so two senders overlap."""

    def send_messages(self, messages):
        time.sleep(0.02)
        return super().send_messages(messages)


def run_in_threads(target, count: int = 2) -> list:
    """Start `count` threads at the same moment; each gets its own database connection."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = target(index)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def needs_concurrent_writers() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database refuses a second writer ('table is locked') "
            "instead of waiting; the concurrent claim is tested on PostgreSQL (CI)"
        )


def many_due(gp, therapist, count: int) -> list[Referral]:
    return [
        make(gp, therapist, Status.SENT, sent_at=at(TODAY - timedelta(days=7 + n % 5)))
        for n in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_send_each_reminder_once(gp, therapist, settings):
    needs_concurrent_writers()
    settings.EMAIL_BACKEND = "tests.test_reminders.SlowLocmemBackend"
    many_due(gp, therapist, 12)
    mail.outbox = []

    with frozen(TODAY):
        runs = run_in_threads(lambda i: sweep_module.sweep(today=TODAY, trigger=f"thread {i}"))

    assert Notification.objects.count() == 12
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert len(mail.outbox) == 12
    assert sum(run.total for run in runs) == 12
    assert [run.failures for run in runs] == [0, 0]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_of_the_same_rows_send_each_once(gp, therapist, settings):
    needs_concurrent_writers()
    settings.EMAIL_BACKEND = "tests.test_reminders.SlowLocmemBackend"
    many_due(gp, therapist, 10)
    # Rows as the sweep writes them (notify() would deliver at once: autocommit, eager tasks).
    Notification.objects.bulk_create(
        Notification(
            referral_id=item.referral_id,
            kind=item.kind,
            due_date=item.due_date,
            recipient_id=item.recipient_id,
        )
        for item in due_module.due_items(today=TODAY)
    )
    pks = list(Notification.objects.values_list("pk", flat=True))
    mail.outbox = []

    sent = run_in_threads(lambda i: [delivery.deliver(pk) for pk in pks])

    assert [a or b for a, b in zip(*sent, strict=True)] == [True] * 10
    assert not any(a and b for a, b in zip(*sent, strict=True))
    assert len(mail.outbox) == 10


def test_a_delivery_started_while_another_is_sending_sends_nothing(world, monkeypatch, mailoutbox):
    """The claim comes before the send: a second deliver() in between finds the row taken."""
    with frozen(TODAY):
        notification = outbox.notify(
            referral=world["unanswered"],
            kind=Kind.REFERRAL_UNANSWERED,
            recipient=world["unanswered"].therapist.user,
        )
    real_send = delivery.send_email
    second_call = []

    def send_and_meanwhile_deliver_again(**kwargs):
        second_call.append(delivery.deliver(notification.pk))
        real_send(**kwargs)

    monkeypatch.setattr(delivery, "send_email", send_and_meanwhile_deliver_again)

    assert delivery.deliver(notification.pk) is True
    assert second_call == [False]
    assert len(mailoutbox) == 1
    assert delivery.deliver(notification.pk) is False
    assert len(mailoutbox) == 1


def test_the_beat_task_sends_every_reminder_and_a_second_run_sends_none(world, mailoutbox):
    """Celery beat's task: find due items and send each once; its counts are what was sent."""
    from notifications.tasks import reminder_sweep

    with frozen(TODAY):
        first = reminder_sweep.delay().get()
        second = reminder_sweep.delay().get()

    assert first == WORLD_COUNTS
    assert second == {}
    assert len(mailoutbox) == 3
    assert list(ReminderRun.objects.values_list("trigger", flat=True)) == ["beat", "beat"]


# 4. A broker outage loses nothing


@pytest.fixture
def ready(gp, therapist) -> Referral:
    referral = make(gp, therapist, Status.DRAFT, uses_antidepressant=False)
    FitnessCheckFactory(referral=referral)
    return referral


def test_with_the_broker_down_the_gp_still_sends_and_the_next_sweep_emails(
    gp, therapist, ready, client_for, celery_broker, django_capture_on_commit_callbacks, caplog
):
    client = client_for(gp)
    # Warm up: the process's first letter loads WeasyPrint's fonts, which is not what is timed.
    assert client.get(reverse("referrals:preview", args=[ready.pk])).status_code == 200
    mail.outbox = []

    with celery_broker(DEAD_BROKER_URL):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(reverse("referrals:send", args=[ready.pk]))
        elapsed = time.monotonic() - started

        assert response.status_code == 302
        assert len(callbacks) == 1, "the email is queued after commit"
        assert "the flush will send it" in caplog.text, "queueing was tried, and failed"
        # Not a speed target: the broker timeouts are 1 s, a hang on the dead broker would take
        # minutes; 8 s leaves room for a loaded CI machine.
        assert elapsed < 8, f"sending took {elapsed:.2f} s with the broker down"
        ready.refresh_from_db()
        assert ready.status == Status.SENT
        notification = Notification.objects.get(referral=ready)
        assert notification.kind == Kind.NEW_REFERRAL
        assert notification.sent_at is None
        assert mail.outbox == []

        run = sweep_module.sweep(trigger="test")

    assert run.counts == {Kind.NEW_REFERRAL: 1}
    assert [m.to for m in mail.outbox] == [[therapist.email]]
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_with_the_broker_down_the_flush_sends_what_could_not_be_queued(
    world, celery_broker, mailoutbox, caplog
):
    """An event e-mail that could not be queued stays unsent; the outbox flush sends it."""
    with celery_broker(DEAD_BROKER_URL):
        row = outbox.notify(
            referral=world["intake"], kind=Kind.REFERRAL_ANSWERED, recipient=world["intake"].gp
        )
        tasks.dispatch(row.pk)
    assert "the flush will send it" in caplog.text
    assert mailoutbox == []

    assert tasks.flush_outbox.run() == {Kind.REFERRAL_ANSWERED: 1}
    assert len(mailoutbox) == 1


# 5. A failing mail server


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_failed_send_gives_the_claim_back_and_waits_out_its_back_off(world, settings, mailoutbox):
    notification = outbox.notify(
        referral=world["intake"], kind=Kind.INTAKE_OVERDUE, recipient=world["intake"].gp
    )
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 30

    with time_machine.travel(at(TODAY), tick=False):
        assert delivery.deliver(notification.pk) is False

    notification.refresh_from_db()
    assert notification.sent_at is None and notification.claimed_at is None
    assert notification.attempts == 1
    assert notification.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert notification.retry_at == at(TODAY) + timedelta(seconds=30)
    assert notification.gave_up_at is None
    assert mailoutbox == []

    settings.EMAIL_BACKEND = LOCMEM
    with time_machine.travel(at(TODAY) + timedelta(seconds=29), tick=False):
        assert delivery.deliver(notification.pk) is False, "not before the back-off"
    with time_machine.travel(at(TODAY) + timedelta(seconds=30), tick=False):
        assert delivery.deliver(notification.pk) is True
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.attempts == 2
    assert len(mailoutbox) == 1


def test_the_back_off_doubles_up_to_an_hour_and_gives_up_after_about_a_day(settings):
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 30
    waits = [delivery.backoff(n).total_seconds() for n in range(1, delivery.MAX_ATTEMPTS)]
    assert waits[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert max(waits) == 3600
    # A mail server away for a night loses nothing; a day of failing gives up.
    assert 20 * 3600 <= sum(waits) <= 30 * 3600


def test_the_sweep_retries_failed_sends_until_they_go_out(world, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    with frozen(TODAY):
        failed = sweep_module.sweep(today=TODAY, trigger="test")
    # The mail server could not be reached: one attempt, the others wait for the next run.
    assert (failed.counts, failed.failures) == ({}, 1)
    assert Notification.objects.filter(sent_at__isnull=True).count() == 3
    assert Notification.objects.filter(attempts=1).count() == 1
    assert Notification.objects.filter(attempts=0).count() == 2

    settings.EMAIL_BACKEND = LOCMEM
    with frozen(TODAY, hour=9):
        retried = sweep_module.sweep(today=TODAY, trigger="test")
    assert (retried.counts, retried.failures) == (WORLD_COUNTS, 0)
    assert len(mailoutbox) == 3


def test_a_row_that_gave_up_is_left_alone_until_an_administrator_sends_it_again(
    world, mailoutbox, client_for, admin
):
    with frozen(TODAY):
        sweep_module.sweep(today=TODAY, trigger="test")
    stuck = outbox.notify(
        referral=world["intake"], kind=Kind.LETTER_BACK_READY, recipient=world["intake"].gp
    )
    Notification.objects.filter(pk=stuck.pk).update(
        attempts=delivery.MAX_ATTEMPTS, gave_up_at=timezone.now(), last_error="SMTPDataError"
    )
    mailoutbox.clear()
    with frozen(TODAY):
        run = sweep_module.sweep(today=TODAY, trigger="test")
    assert run.counts == {}
    assert delivery.deliver(stuck.pk) is False, "an in-flight task sends no row that gave up"
    assert mailoutbox == []

    response = client_for(admin).post(
        reverse("notifications:resend"), {"notification": stuck.pk}, follow=True
    )
    assert "1 e-mail wordt opnieuw verzonden." in response.text
    stuck.refresh_from_db()
    assert stuck.sent_at is not None and stuck.gave_up_at is None
    assert len(mailoutbox) == 1


def test_only_an_administrator_can_send_again_and_a_bad_id_is_a_404(world, client_for, gp, admin):
    assert client_for(gp).post(reverse("notifications:resend")).status_code == 403
    bad = client_for(admin).post(reverse("notifications:resend"), {"notification": "1 OR 1"})
    assert bad.status_code == 404


def test_an_interrupted_send_gives_the_claim_back(world, monkeypatch, mailoutbox):
    notification = outbox.notify(
        referral=world["intake"], kind=Kind.INTAKE_OVERDUE, recipient=world["intake"].gp
    )

    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(delivery, "send_email", interrupted)
    with pytest.raises(KeyboardInterrupt):
        delivery.deliver(notification.pk)
    monkeypatch.undo()

    notification.refresh_from_db()
    assert notification.sent_at is None
    assert delivery.deliver(notification.pk) is True
    assert len(mailoutbox) == 1


# 6. What an email may say


def test_emails_carry_no_medical_detail(gp, therapist, mailoutbox):
    """Every kind of email: no name, BSN, complaint or score; only that something waits."""
    today = TODAY
    secrets = []

    def patient(n: int):
        p = PatientFactory(
            practice=gp.practice,
            first_name=f"Wilhelmina{n}",
            tussenvoegsel="van",
            surname=f"Zwanenburg{n}",
        )
        secrets.extend([p.first_name, p.surname, p.bsn, p.full_name, p.formal_name])
        return p

    common = {
        "gp": gp,
        "therapist": therapist.therapist,
        "complaint": "P78",
        "complaint_notes": "Slapeloosheid sinds reorganisatie",
        "question": "Vraag over hardlopen bij burn-out",
    }
    sent = ReferralFactory(
        patient=patient(1), status=Status.SENT, sent_at=at(today - timedelta(days=7)), **common
    )
    ReferralFactory(
        patient=patient(2),
        status=Status.ACCEPTED,
        sent_at=at(today - timedelta(days=30)),
        accepted_at=at(today - timedelta(days=20)),
        **common,
    )
    treated = ReferralFactory(
        patient=patient(3),
        status=Status.IN_THERAPY,
        sent_at=at(today - timedelta(days=90)),
        intake_date=today - timedelta(days=80),
        **common,
    )
    phq = QuestionnaireResponseFactory(
        referral=treated, week=0, answers=[2, 2, 2, 2, 2, 2, 2, 2, 1], band="moderately_severe"
    )
    SafetyAlertFactory(response=phq, referral=treated)
    # Week 5 PHQ-9 24, up 7 from 17: a reliable deterioration (the GP is told, not the score).
    worse = QuestionnaireResponseFactory(
        referral=treated,
        week=5,
        answers=[3, 3, 3, 3, 3, 3, 3, 3, 0],
        band="severe",
        completed_on=today - timedelta(days=3),
    )
    # Entered then too: the item shows for 14 days after entry (notifications.due).
    QuestionnaireResponse.objects.filter(pk=worse.pk).update(
        created_at=at(today - timedelta(days=2))
    )
    # In therapy since 13 weeks: the therapist is reminded to close it.
    ReferralFactory(
        patient=patient(5),
        status=Status.IN_THERAPY,
        sent_at=at(today - timedelta(days=100)),
        intake_date=today - timedelta(days=95),
        therapy_start=today - timedelta(weeks=13),
        **common,
    )
    ReferralFactory(
        patient=patient(4),
        status=Status.COMPLETED,
        sent_at=at(today - timedelta(days=150)),
        intake_date=today - timedelta(days=140),
        follow_up_due=today - timedelta(days=30),
        **common,
    )
    for kind in (
        Kind.NEW_REFERRAL,
        Kind.NOT_CLEARED,
        Kind.REFERRAL_ANSWERED,
        Kind.REFERRAL_DECLINED,
        Kind.LETTER_BACK_READY,
        Kind.END_LETTER_READY,
        Kind.SAFETY_ALERT,
        Kind.SAFETY_ALERT_ESCALATED,
        Kind.ADDENDUM_READY,
    ):
        outbox.notify(referral=sent, kind=kind, recipient=gp, due_date=today)
    secrets += [
        "burnout",
        "burn-out",
        "P78",
        "Slapeloosheid",
        "reorganisatie",
        "PHQ",
        "GAD",
        "moderately",
        "matig",
    ]

    with frozen(today):
        run = sweep_module.sweep(today=today, trigger="test")

    # The patients' own e-mails go to their address with their link, not to staff: their
    # words are tried in tests/test_patient_links.py (no medical detail, each sent once).
    patient_kinds = {Kind.PATIENT_QUESTIONNAIRE, Kind.PATIENT_REMINDER, Kind.PATIENT_RUNNING_LOG}
    assert set(run.counts) == set(Kind.values) - patient_kinds
    assert len(mailoutbox) == run.total
    for message in mailoutbox:
        [(html, _mimetype)] = message.alternatives
        for text in (message.subject, message.body, html):
            for secret in secrets:
                assert secret.lower() not in text.lower(), (secret, text)
            for score in (phq.total, worse.total, worse.total - phq.total):
                assert not re.search(rf"\b{score}\b", text), (score, text)
            for word in ("deteriorat", "verslechter", "achteruit"):
                assert word not in text.lower(), (word, text)
        assert re.search(r"/referrals/\d+/", message.body), "the email links to the referral"


# 7. The staff page of reminder runs


def test_reminder_runs_page_lists_runs_for_the_admin(admin, world, client_for):
    with frozen(TODAY):
        sweep_module.sweep(today=TODAY, trigger="test")
    Notification.objects.create(
        referral=world["intake"], kind=Kind.LETTER_BACK_READY, due_date=TODAY, recipient=admin
    )

    response = client_for(admin).get(reverse("notifications:reminder_runs"))

    assert response.status_code == 200
    [run] = response.context["runs"]
    assert run.counts == WORLD_COUNTS
    assert response.context["unsent"] == 1
    html = response.content.decode()
    assert "Verwijzing niet beantwoord: 1" in html
    assert "Nacontrole aan de beurt: 1" in html


@pytest.mark.parametrize("persona", ["gp", "therapist", "manager"])
def test_reminder_runs_page_is_403_for_everyone_else(persona, request, client_for):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("notifications:reminder_runs")).status_code == 403


def test_reminder_runs_page_sends_the_anonymous_to_sign_in(client, db):
    response = client.get(reverse("notifications:reminder_runs"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# 8. Due items on the homes, and the badge


def age_text(days: int, overdue: bool = False) -> str:
    with translation.override("nl"):
        if overdue:
            return ngettext("%(days)s day overdue", "%(days)s days overdue", days) % {"days": days}
        return ngettext("due for %(days)s day", "due for %(days)s days", days) % {"days": days}


def test_gp_home_shows_the_follow_up_with_its_age_and_the_badge_counts_it(
    gp, therapist, client_for
):
    referral = make(
        gp,
        therapist,
        Status.COMPLETED,
        intake_date=TODAY - timedelta(days=95),
        follow_up_due=TODAY - timedelta(days=3),
    )
    with frozen(TODAY, hour=9):
        response = client_for(gp).get(reverse("referrals:worklist"))

    assert response.status_code == 200
    [item] = response.context["due_items"]
    assert (item.referral_id, item.kind, item.age) == (referral.pk, Kind.FOLLOW_UP_DUE, 3)
    assert response.context["due_badge"] == 1
    html = response.content.decode()
    assert age_text(3) in html
    assert nl("Hold the follow-up") in html
    assert reverse("referrals:follow_up", args=[referral.pk]) in html


def test_therapist_home_shows_due_items_with_their_age_and_the_badge_equals_them(
    gp, therapist, client_for
):
    # Sent Wednesday the 4th: due Monday the 9th. Accepted a fortnight ago: overdue today.
    make(gp, therapist, Status.SENT, sent_at=at(TODAY - timedelta(days=7)))
    make(gp, therapist, Status.ACCEPTED, accepted_at=at(TODAY - timedelta(days=14)))
    with frozen(TODAY, hour=9):
        response = client_for(therapist).get(reverse("referrals:incoming"))

    assert response.status_code == 200
    shown = response.context["due_items"]
    assert sorted((i.kind, i.age) for i in shown) == [
        (Kind.INTAKE_OVERDUE, 0),
        (Kind.REFERRAL_UNANSWERED, 2),
    ]
    assert response.context["due_badge"] == len(shown) == 2
    html = response.content.decode()
    assert age_text(2, overdue=True) in html
    assert nl("overdue since today") in html


def test_an_item_long_overdue_says_how_late_it_is_in_plain_dutch(gp, therapist, client_for):
    make(gp, therapist, Status.ACCEPTED, accepted_at=at(TODAY - timedelta(days=14 + 32)))
    with frozen(TODAY, hour=9):
        html = client_for(therapist).get(reverse("referrals:incoming")).content.decode()
    assert "32 dagen te laat" in html
    assert "geleden" not in html


def test_an_overdue_item_replaces_its_due_item_on_the_home(gp, therapist, client_for):
    make(
        gp,
        therapist,
        Status.COMPLETED,
        intake_date=TODAY - timedelta(days=120),
        follow_up_due=TODAY - timedelta(days=20),
    )
    with frozen(TODAY, hour=9):
        response = client_for(gp).get(reverse("referrals:worklist"))
    [item] = response.context["due_items"]
    assert (item.kind, item.age) == (Kind.FOLLOW_UP_OVERDUE, 5)
    assert response.context["due_badge"] == 1


def test_a_gp_never_sees_another_gps_follow_ups(gp, gp_other_practice, therapist, client_for):
    colleague = GPProfileFactory(user__practice=gp.practice).user
    for someone in (colleague, gp_other_practice):
        make(
            someone,
            therapist,
            Status.COMPLETED,
            intake_date=TODAY - timedelta(days=95),
            follow_up_due=TODAY - timedelta(days=3),
        )
    own = make(
        gp,
        therapist,
        Status.STOPPED,
        intake_date=TODAY - timedelta(days=95),
        follow_up_due=TODAY - timedelta(days=1),
    )
    make(gp, therapist, Status.SENT, sent_at=at(TODAY - timedelta(days=7)))  # the therapist's

    assert [i.referral_id for i in due_module.due_items(today=TODAY, gp=gp)] == [own.pk]
    with frozen(TODAY, hour=9):
        response = client_for(gp).get(reverse("referrals:worklist"))
    assert [i.referral_id for i in response.context["due_items"]] == [own.pk]
    assert response.context["due_badge"] == 1


def test_a_therapist_never_sees_another_therapists_items(
    gp, therapist, therapist_other, client_for
):
    mine = make(gp, therapist, Status.SENT, sent_at=at(TODAY - timedelta(days=7)))
    make(gp, therapist_other, Status.SENT, sent_at=at(TODAY - timedelta(days=7)))
    make(gp, therapist_other, Status.ACCEPTED, accepted_at=at(TODAY - timedelta(days=30)))
    make(  # the GP's item on the therapist's referral
        gp,
        therapist,
        Status.COMPLETED,
        intake_date=TODAY - timedelta(days=95),
        follow_up_due=TODAY - timedelta(days=3),
    )

    assert [i.referral_id for i in due_module.due_items(today=TODAY, therapist=therapist)] == [
        mine.pk
    ]
    with frozen(TODAY, hour=9):
        response = client_for(therapist).get(reverse("referrals:incoming"))
    assert [i.referral_id for i in response.context["due_items"]] == [mine.pk]
    assert response.context["due_badge"] == 1


def test_homes_without_anything_due_show_no_badge(gp, therapist, client_for):
    for user, name in ((gp, "referrals:worklist"), (therapist, "referrals:incoming")):
        response = client_for(user).get(reverse(name))
        assert response.context["due_items"] == []
        assert response.context["due_badge"] == 0
        assert "badge rounded-pill" not in response.content.decode()


# 9. Query counts


def open_but_nothing_due(gp, therapist, count: int) -> None:
    """Open referrals of every kind, none of them due on TODAY."""
    statuses = [Status.DRAFT, Status.SENT, Status.ACCEPTED, Status.COMPLETED]
    for n in range(count):
        status = statuses[n % len(statuses)]
        make(
            gp,
            therapist,
            status,
            sent_at=None if status == Status.DRAFT else at(TODAY),
            accepted_at=at(TODAY) if status in (Status.ACCEPTED, Status.COMPLETED) else None,
            intake_date=TODAY - timedelta(days=60) if status == Status.COMPLETED else None,
            follow_up_due=TODAY + timedelta(days=30) if status == Status.COMPLETED else None,
        )


def sweep_queries() -> int:
    with frozen(TODAY), CaptureQueriesContext(connection) as queries:
        run = sweep_module.sweep(today=TODAY, trigger="test")
    assert run.total == 0
    return len(queries)


def test_sweep_queries_do_not_grow_with_the_number_of_open_referrals(gp, therapist):
    open_but_nothing_due(gp, therapist, 5)
    with_5 = sweep_queries()
    open_but_nothing_due(gp, therapist, 45)
    assert Referral.objects.count() == 50
    assert sweep_queries() == with_5


def test_due_item_queries_do_not_grow_with_the_number_of_due_items(gp, therapist):
    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            items = due_module.due_items(today=TODAY)
        return len(queries), len(items)

    many_due(gp, therapist, 1)
    queries_1, items_1 = count()
    many_due(gp, therapist, 19)
    queries_20, items_20 = count()
    assert (items_1, items_20) == (1, 20)
    assert queries_20 == queries_1


@pytest.mark.parametrize(
    ("persona", "name"), [("gp", "referrals:worklist"), ("therapist", "referrals:incoming")]
)
def test_home_queries_do_not_grow_with_the_number_of_due_items(
    persona, name, gp, therapist, client_for, request
):
    def follow_ups(n: int) -> None:
        for _ in range(n):
            make(
                gp,
                therapist,
                Status.COMPLETED,
                intake_date=TODAY - timedelta(days=95),
                follow_up_due=TODAY - timedelta(days=3),
            )
            make(gp, therapist, Status.SENT, sent_at=at(TODAY - timedelta(days=7)))

    client = client_for(request.getfixturevalue(persona))

    def queries() -> int:
        with frozen(TODAY, hour=9), CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name))
        assert response.status_code == 200
        return len(captured)

    follow_ups(1)
    with_1 = queries()
    follow_ups(19)
    assert queries() == with_1


# 10. The command on the demo data


def test_send_reminders_on_the_demo_data_prints_counts_and_a_second_run_prints_zero(mailoutbox):
    call_command("seed_demo", "--no-documents", stdout=StringIO())
    mailoutbox.clear()

    first, second = StringIO(), StringIO()
    call_command("send_reminders", stdout=first)
    call_command("send_reminders", stdout=second)

    counts = dict(re.findall(r"^(\w+): (\d+)$", first.getvalue(), re.MULTILINE))
    assert counts, first.getvalue()
    assert any(int(n) > 0 for n in counts.values())
    total = sum(int(n) for n in counts.values())
    assert f"Total: {total}; failures: 0" in first.getvalue()
    assert len(mailoutbox) == total
    assert "Total: 0" in second.getvalue()
    assert not re.search(r"^\w+: [1-9]", second.getvalue(), re.MULTILINE)
    assert ReminderRun.objects.count() == 2
