"""The outbox delivers at least once, by lease: `sent_at` only after the mail server took the
message, a dead worker's claim runs out and is taken again, a resend keeps its Message-ID, and
/healthz and the reminder-runs page show what is stuck."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import delivery, outbox
from notifications.models import Notification
from notifications.sweep import sweep
from referrals.models import Status

from .factories import PatientFactory, ReferralFactory

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture
def waiting(gp, therapist) -> Notification:
    """An e-mail to the therapist about a new referral, not sent yet."""
    referral = ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.SENT,
        sent_at=timezone.now(),
    )
    return Notification.objects.create(
        referral=referral,
        kind=Kind.NEW_REFERRAL,
        due_date=timezone.localdate(),
        recipient=therapist,
    )


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
    assert during.claimed_at is not None and during.claimed_by == delivery.worker_identity()
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

    with pytest.raises(OSError):
        delivery.deliver(waiting.pk)

    waiting.refresh_from_db()
    assert waiting.sent_at is None
    assert waiting.claimed_at is None and waiting.claimed_by == ""
    assert waiting.attempts == 1 and "SMTPServerDisconnected" in waiting.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert delivery.deliver(waiting.pk) is True


def test_a_resend_carries_the_same_message_id(waiting, mailoutbox):
    assert delivery.deliver(waiting.pk) is True
    # The worker died after the mail server took it, before it could write sent_at.
    Notification.objects.filter(pk=waiting.pk).update(
        sent_at=None, claimed_at=timezone.now() - timedelta(days=1)
    )
    assert delivery.deliver(waiting.pk) is True

    first, second = mailoutbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert first.message()["Message-ID"] == f"<notification-{waiting.pk}@127.0.0.1>"


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
        attempts=delivery.MAX_ATTEMPTS, last_error="SMTPRecipientsRefused: 550 no such user"
    )

    assert client.get(reverse("healthz")).json()["outbox"]["gave_up"] == 1
    page = client_for(admin).get(reverse("notifications:reminder_runs")).text

    assert "1 e-mail niet verzonden na 8 pogingen" in page
    assert "550 no such user" in page
    assert f"#{waiting.referral_id}" in page


def test_the_sweep_queues_no_row_a_live_worker_holds(waiting, settings):
    settings.NOTIFICATION_LEASE_SECONDS = 600
    claimed_by_a_dead_worker(waiting, minutes_ago=1)
    queued = []

    sweep(trigger="test", dispatch=lambda pk: queued.append(pk) or True)

    assert queued == []
    assert mail.outbox == []


def test_a_safety_alert_email_whose_worker_died_is_sent_by_the_next_sweep(
    referral_in_therapy, settings, monkeypatch, mailoutbox
):
    """The alert's own claim is a lease too: the GP's most urgent email is never lost."""
    from outcomes import tasks as alert_tasks

    from .factories import SafetyAlertFactory

    settings.NOTIFICATION_LEASE_SECONDS = 600
    alert = SafetyAlertFactory(referral=referral_in_therapy, gp_notified_at=None)
    SafetyAlert = type(alert)
    SafetyAlert.objects.filter(pk=alert.pk).update(
        gp_email_claimed_at=timezone.now() - timedelta(minutes=2)
    )

    def alert_emails():
        ours = f"<safety-alert-{alert.pk}@127.0.0.1>"
        return [m for m in mailoutbox if m.extra_headers.get("Message-ID") == ours]

    sweep(trigger="test")
    assert alert_emails() == [], "a live claim is left alone"

    SafetyAlert.objects.filter(pk=alert.pk).update(
        gp_email_claimed_at=timezone.now() - timedelta(minutes=11)
    )
    during = []
    real_send = alert_tasks.send_email

    def send_and_look(**kwargs):
        during.append(SafetyAlert.objects.get(pk=alert.pk).gp_notified_at)
        real_send(**kwargs)

    monkeypatch.setattr(alert_tasks, "send_email", send_and_look)
    sweep(trigger="test")

    assert during == [None], "marked emailed before the mail server had it"
    alert.refresh_from_db()
    assert alert.gp_notified_at is not None
    [message] = alert_emails()
    assert message.to == [referral_in_therapy.gp.email]


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
