"""The outbox delivers at least once, by lease: `sent_at` only after the mail server took the
message, a dead worker's claim runs out and is taken again, a resend keeps its Message-ID, and
/healthz and the reminder-runs page show what is stuck."""

import socket
import time
from datetime import timedelta
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from notifications import delivery, outbox
from notifications.models import Notification, ReminderRun
from notifications.sweep import sweep
from referrals.models import Status

from .factories import PatientFactory, ReferralFactory, draft_ready_to_send, unsent_email

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture
def waiting(gp, therapist) -> Notification:
    """An e-mail to the therapist about a new referral, not sent yet."""
    return unsent_email(gp, therapist)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def claimed_by_a_dead_worker(notification: Notification, *, minutes_ago: float) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=minutes_ago),
        claimed_by="worker-7:1234",
        attempts=1,
    )


def test_the_row_is_not_sent_while_the_mail_server_has_not_taken_the_message(
    waiting, monkeypatch, mailoutbox
):
    seen_during_send = []
    real_send = delivery.send_email

    def send_and_look(**kwargs):
        seen_during_send.append(Notification.objects.get(pk=waiting.pk))
        real_send(**kwargs)

    monkeypatch.setattr(delivery, "send_email", send_and_look)

    assert delivery.deliver(waiting.pk) is True

    [during] = seen_during_send
    assert during.sent_at is None, "marked sent before the mail server had the message"
    host_and_process = delivery.worker_identity().rsplit(":", 1)[0]
    assert during.claimed_at is not None and during.claimed_by.startswith(host_and_process + ":")
    waiting.refresh_from_db()
    assert waiting.sent_at is not None
    assert len(mailoutbox) == 1


def test_a_claim_whose_worker_died_is_taken_again_once_its_lease_has_run_out(
    waiting, settings, mailoutbox
):
    settings.NOTIFICATION_LEASE_SECONDS = 600
    claimed_by_a_dead_worker(waiting, minutes_ago=11)

    run = sweep(trigger="test")

    assert run.counts == {Kind.NEW_REFERRAL: 1}
    waiting.refresh_from_db()
    assert waiting.sent_at is not None and waiting.attempts == 2
    assert [m.to for m in mailoutbox] == [[waiting.recipient.email]]


def test_a_live_claim_is_left_to_the_worker_that_holds_it(waiting, settings, mailoutbox):
    settings.NOTIFICATION_LEASE_SECONDS = 600
    claimed_by_a_dead_worker(waiting, minutes_ago=2)

    assert delivery.deliver(waiting.pk) is False
    assert sweep(trigger="test").counts == {}
    waiting.refresh_from_db()
    assert waiting.sent_at is None and waiting.claimed_by == "worker-7:1234"
    assert mailoutbox == []


def test_a_failed_send_gives_the_claim_back_at_once(waiting, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"

    assert delivery.deliver(waiting.pk) is False

    waiting.refresh_from_db()
    assert waiting.sent_at is None
    assert waiting.claimed_at is None and waiting.claimed_by == ""
    assert waiting.attempts == 1 and "SMTPServerDisconnected" in waiting.last_error
    assert waiting.retry_at is not None and waiting.gave_up_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(pk=waiting.pk).update(retry_at=timezone.now())
    assert delivery.deliver(waiting.pk) is True


class RefusingBackend(BaseEmailBackend):
    """A mail server that answers 550: the mailbox does not exist."""

    def send_messages(self, messages):
        raise SMTPRecipientsRefused({m.to[0]: (550, b"5.1.1 no such user") for m in messages})


def test_a_permanent_refusal_gives_up_at_once_and_turns_healthz_to_503(
    waiting, settings, client, mailoutbox
):
    """Found by the operator: a 550 was retried like an outage, and /healthz stayed 200."""
    settings.REDIS_URL = ""
    settings.EMAIL_BACKEND = "tests.test_outbox.RefusingBackend"

    assert delivery.deliver(waiting.pk) is False

    waiting.refresh_from_db()
    assert waiting.gave_up_at is not None and waiting.attempts == 1
    assert "550" in waiting.last_error
    health = client.get(reverse("healthz"))
    assert health.status_code == 503
    assert health.json()["outbox"]["gave_up"] == 1


def test_a_transient_failure_gives_up_only_at_the_last_attempt(waiting, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    Notification.objects.filter(pk=waiting.pk).update(attempts=delivery.MAX_ATTEMPTS - 2)

    assert delivery.deliver(waiting.pk) is False
    waiting.refresh_from_db()
    assert waiting.gave_up_at is None

    Notification.objects.filter(pk=waiting.pk).update(retry_at=timezone.now())
    assert delivery.deliver(waiting.pk) is False
    waiting.refresh_from_db()
    assert waiting.attempts == delivery.MAX_ATTEMPTS
    assert waiting.gave_up_at is not None


def test_a_resend_carries_the_same_message_id(waiting, mailoutbox):
    assert delivery.deliver(waiting.pk) is True
    # The worker died after the mail server took it, before it could write sent_at.
    Notification.objects.filter(pk=waiting.pk).update(
        sent_at=None, claimed_at=timezone.now() - timedelta(days=1)
    )
    assert delivery.deliver(waiting.pk) is True

    first, second = mailoutbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    made = waiting.created_at.strftime("%Y%m%d%H%M%S%f")
    assert first.message()["Message-ID"] == f"<notification-{waiting.pk}-{made}@127.0.0.1>"


def test_a_row_that_reuses_an_id_after_a_restore_gets_a_message_id_of_its_own(waiting, mailoutbox):
    """Found by the operator: after a restore the id counter went back, and a safety alert got
    the Message-ID of an e-mail the GP had already received, which a receiving system may
    drop as a duplicate."""
    assert delivery.deliver(waiting.pk) is True
    pk, referral, recipient = waiting.pk, waiting.referral, waiting.recipient
    Notification.objects.filter(pk=pk).delete()  # as if restored from last night's backup
    again = Notification.objects.create(
        pk=pk,
        referral=referral,
        kind=Kind.SAFETY_ALERT,
        due_date=timezone.localdate(),
        recipient=recipient,
        key="alert-1",
    )
    assert delivery.deliver(again.pk) is True

    first, second = mailoutbox
    assert first.extra_headers["Message-ID"] != second.extra_headers["Message-ID"]


def test_notify_queues_a_row_that_is_delivered_once(gp, therapist, mailoutbox):
    referral = ReferralFactory(
        patient=PatientFactory(practice=gp.practice), gp=gp, therapist=therapist.therapist
    )
    with pytest.MonkeyPatch.context():
        row = outbox.notify(referral=referral, kind=Kind.REFERRAL_ANSWERED, recipient=gp)
    assert delivery.deliver(row.pk) is True
    assert delivery.deliver(row.pk) is False
    assert len(mailoutbox) == 1


def test_healthz_reports_the_oldest_unsent_email_and_answers_503_past_the_limit(
    client, settings, waiting
):
    settings.REDIS_URL = ""
    settings.HEALTHZ_OUTBOX_MAX_AGE_SECONDS = 3600
    Notification.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(minutes=30)
    )

    fresh = client.get(reverse("healthz"))

    assert fresh.status_code == 200
    assert fresh.json()["outbox"]["ok"] is True
    assert 1790 <= fresh.json()["outbox"]["oldest_unsent_seconds"] <= 1830

    Notification.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    stale = client.get(reverse("healthz"))

    assert stale.status_code == 503
    assert stale.json()["ok"] is False
    assert stale.json()["outbox"] == {"ok": False, "oldest_unsent_seconds": 3660, "gave_up": 0}


def test_healthz_and_the_reminder_runs_page_show_rows_that_gave_up(
    client, client_for, admin, settings, waiting
):
    settings.REDIS_URL = ""
    Notification.objects.filter(pk=waiting.pk).update(
        attempts=3,
        gave_up_at=timezone.now(),
        last_error="SMTPRecipientsRefused: 550 no such user",
    )

    health = client.get(reverse("healthz"))
    assert health.status_code == 503
    assert health.json()["outbox"]["gave_up"] == 1
    page = client_for(admin).get(reverse("notifications:reminder_runs")).text

    assert "1 e-mail wordt niet meer verzonden" in page
    assert "3 pogingen" in page
    assert "550 no such user" in page
    assert "Nieuwe verwijzing" in page
    assert f"#{waiting.referral_id}" in page

    client_for(admin).post(reverse("notifications:resend"))
    assert client.get(reverse("healthz")).status_code == 200


def test_the_reminder_runs_page_names_kinds_and_triggers_in_dutch(client_for, admin):
    ReminderRun.objects.create(
        trigger="beat", counts={Kind.SAFETY_ALERT: 1, Kind.FOLLOW_UP_DUE: 2}, finished_at=None
    )
    page = client_for(admin).get(reverse("notifications:reminder_runs")).text
    assert "Veiligheidssignaal: 1" in page
    assert "Nacontrole aan de beurt: 2" in page
    assert "elke ochtend (Celery beat)" in page
    assert "niet afgerond" in page


def test_the_sweep_sends_no_row_a_live_worker_holds(waiting, settings):
    settings.NOTIFICATION_LEASE_SECONDS = 600
    claimed_by_a_dead_worker(waiting, minutes_ago=1)

    run = sweep(trigger="test")

    assert run.counts == {}
    assert mail.outbox == []


def test_a_safety_alert_email_whose_worker_died_is_sent_by_the_next_sweep(
    referral_in_therapy, settings, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """The alert's e-mail is an outbox row with a lease: the GP's most urgent e-mail is never
    lost, and shows in /healthz and on the reminder-runs page like every other."""
    from outcomes import services as outcome_services

    settings.NOTIFICATION_LEASE_SECONDS = 600
    with django_capture_on_commit_callbacks(execute=False):
        outcome_services.questionnaire_record(
            referral=referral_in_therapy,
            instrument_code="PHQ-9",
            week=0,
            answers=[0, 0, 0, 0, 0, 0, 0, 0, 1],
            completed_on=referral_in_therapy.intake_date,
            by=referral_in_therapy.therapist.user,
        )
    row = Notification.objects.get(kind=Kind.SAFETY_ALERT, address="")
    assert row.recipient == referral_in_therapy.gp
    # The practice's copy is sent by the first sweep; this test follows the GP's own.
    claimed_by_a_dead_worker(row, minutes_ago=2)

    def alert_emails():
        ours = delivery.message_id(row)
        return [m for m in mailoutbox if m.extra_headers.get("Message-ID") == ours]

    sweep(trigger="test")
    assert alert_emails() == [], "a live claim is left alone"
    assert Notification.objects.get(kind=Kind.SAFETY_ALERT, address__gt="").sent_at is not None

    claimed_by_a_dead_worker(row, minutes_ago=11)
    during = []
    real_send = delivery.send_email

    def send_and_look(**kwargs):
        during.append(Notification.objects.get(pk=row.pk).sent_at)
        real_send(**kwargs)

    monkeypatch.setattr(delivery, "send_email", send_and_look)
    run = sweep(trigger="test")

    assert during == [None], "marked sent before the mail server had it"
    assert run.counts == {Kind.SAFETY_ALERT: 1}
    row.refresh_from_db()
    assert row.sent_at is not None
    [message] = alert_emails()
    assert message.to == [referral_in_therapy.gp.email]


def test_a_batch_sends_no_row_another_worker_took_when_its_lease_ran_out(
    gp, therapist, settings, monkeypatch, mailoutbox
):
    """Found by the operator: with a slow mail server a second sweep took the tail of a batch
    whose lease had run out, and both sent it. The batch renews its lease and sends only what
    it still holds."""
    settings.NOTIFICATION_LEASE_SECONDS = 1
    rows = [unsent_email(gp, therapist) for _ in range(3)]
    real_send = delivery.send_email
    calls = []

    def slow_then_overtaken(**kwargs):
        calls.append(kwargs["message_id"])
        if len(calls) == 1:
            # While the first e-mail crawls, the lease of the others runs out and another
            # sweep claims them.
            Notification.objects.filter(pk__in=[r.pk for r in rows[1:]]).update(
                claimed_at=timezone.now(), claimed_by="other-sweep"
            )
            time.sleep(0.3)
        real_send(**kwargs)

    monkeypatch.setattr(delivery, "send_email", slow_then_overtaken)
    batch = delivery.deliver_batch()

    assert len(batch) == 3
    assert calls == [delivery.message_id(rows[0])]
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(claimed_by="other-sweep", sent_at=None).count() == 2


def test_a_batch_stopped_half_way_gives_back_what_it_had_not_tried(
    gp, therapist, monkeypatch, mailoutbox
):
    """Found by the operator: Ctrl-C or SIGTERM during a sweep left the batch held 10 min."""
    rows = [unsent_email(gp, therapist) for _ in range(4)]
    real_send = delivery.send_email

    def stopped_at_the_second(**kwargs):
        if len(mailoutbox) == 1:
            raise SystemExit(143)
        real_send(**kwargs)

    monkeypatch.setattr(delivery, "send_email", stopped_at_the_second)
    with pytest.raises(SystemExit):
        sweep(trigger="test")

    states = list(
        Notification.objects.order_by("pk").values_list("sent_at", "claimed_at", "attempts")
    )
    assert states[0][0] is not None
    assert all(sent is None and held is None and n == 0 for sent, held, n in states[1:])
    run = ReminderRun.objects.get()
    assert run.finished_at is not None and "stopped: SystemExit" in run.errors
    assert run.counts == {Kind.NEW_REFERRAL: 1}
    assert len(rows) == 4


def test_send_reminders_with_the_mail_server_away_says_so_without_a_traceback(gp, therapist):
    """Found by the operator: a traceback, and a run row never finished."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    unsent_email(gp, therapist)
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=free_port(),
            EMAIL_TIMEOUT=2,
        ),
        pytest.raises(CommandError) as raised,
    ):
        call_command("send_reminders", stdout=StringIO())

    assert "failed (" in str(raised.value)
    assert "ConnectionRefusedError" in str(raised.value)
    run = ReminderRun.objects.get()
    assert run.finished_at is not None and run.failures == 1
    row = Notification.objects.get()
    assert row.sent_at is None and row.claimed_at is None and row.retry_at is not None


def test_a_decline_a_new_send_and_an_acceptance_on_one_day_are_each_emailed(
    gp, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    """Found by the operator: the acceptance after a same-day decline fell on the decline's
    (referral, kind, day, recipient) and the GP was never told."""
    from referrals import services as referral_services

    from .factories import TherapistFactory

    other = TherapistFactory(verified=True)
    referral = draft_ready_to_send(gp, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_services.referral_send(referral=referral, by=gp)
        referral = referral_services.referral_decline(referral=referral, by=therapist, reason="Vol")
        referral.therapist = other
        referral.save(update_fields=["therapist"])
        referral = referral_services.referral_send(referral=referral, by=gp)
        referral_services.referral_accept(referral=referral, by=other.user)

    sent = [(m.to[0], m.subject) for m in mailoutbox]
    assert [to for to, _subject in sent] == [therapist.email, gp.email, other.user.email, gp.email]
    kinds = list(Notification.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        Kind.NEW_REFERRAL,
        Kind.REFERRAL_DECLINED,
        Kind.NEW_REFERRAL,
        Kind.REFERRAL_ANSWERED,
    ]
    # Accepting and declining read differently (found in a try-out), neither with any detail.
    bodies = [m.body for m in mailoutbox]
    assert "afgewezen" in bodies[1] and "geaccepteerd" in bodies[3]
    assert "Vol" not in bodies[1]


def test_an_end_letter_on_the_day_of_a_progress_letter_still_emails_the_gp(
    referral_in_therapy, mailoutbox, django_capture_on_commit_callbacks
):
    """Found trying the demo: closing after a progress letter the same day sent no e-mail."""
    from therapy import services as therapy_services
    from therapy.models import TherapyLetter

    therapist = referral_in_therapy.therapist.user
    with django_capture_on_commit_callbacks(execute=True):
        therapy_services.letter_send(
            referral=referral_in_therapy,
            letter=TherapyLetter(
                kind=TherapyLetter.Kind.PROGRESS, summary="Loopt drie keer per week."
            ),
            by=therapist,
        )
        therapy_services.therapy_close(
            referral=referral_in_therapy,
            outcome=Status.COMPLETED,
            letter=TherapyLetter(summary="Loopt zelfstandig.", runs_independently="yes"),
            by=therapist,
        )

    kinds = sorted(
        Notification.objects.filter(referral=referral_in_therapy).values_list("kind", flat=True)
    )
    assert kinds == [Kind.END_LETTER_READY, Kind.LETTER_BACK_READY]
    assert [m.to for m in mailoutbox] == [[referral_in_therapy.gp.email]] * 2
    assert "is afgerond" in mailoutbox[1].body


def test_resend_notifications_with_the_mail_server_still_away_says_so(gp, therapist, settings):
    """Found by the operator: it printed "sent now: 0", exited 0, and /healthz went green."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    row = unsent_email(gp, therapist)
    Notification.objects.filter(pk=row.pk).update(gave_up_at=timezone.now(), attempts=30)
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"

    with pytest.raises(CommandError, match="still unsent"):
        call_command("resend_notifications", stdout=StringIO())
    row.refresh_from_db()
    assert row.sent_at is None and row.retry_at is not None
