"""The daily reminder sweep: the safety alerts due to escalate escalate (outcomes.alerts), every
due item becomes a Notification row (once), and every unsent row that may be tried now is sent.
Beat runs it at 07:30 Europe/Amsterdam; `manage.py send_reminders` too. `send_unsent` alone is
the outbox flush beat runs every minute (notifications.tasks.flush_outbox, which escalates too).
"""

import logging
from collections import Counter
from datetime import date

from django.core import mail
from django.utils import timezone

from outcomes.alerts import alerts_escalate

from . import delivery, patient_mail
from .due import due_items
from .models import Notification, ReminderRun

logger = logging.getLogger(__name__)


def sweep(*, today: date | None = None, trigger: str = "command") -> ReminderRun:
    """Record every due item as a Notification (once) and send every unsent one, in this
    process, recording the run. A run stopped by an error or a signal is still finished, with
    what it sent and why it stopped."""
    today = today or timezone.localdate()
    run = ReminderRun.objects.create(trigger=trigger)
    counts: Counter[str] = Counter()
    errors: list[str] = []
    try:
        # Safety alerts nobody acknowledged within a working day: their e-mails join this send.
        alerts_escalate()
        rows = [
            Notification(
                referral_id=item.referral_id,
                kind=item.kind,
                due_date=item.due_date,
                recipient_id=item.recipient_id,
            )
            for item in due_items(today=today)
            if item.recipient_id
        ]
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
        # The patients' own links (patientlinks): due questionnaires and the one reminder.
        patient_mail.patient_links_sweep(today=today)
        send_unsent(counts=counts, errors=errors)
    except BaseException as exc:
        errors.append(f"stopped: {type(exc).__name__}: {exc}"[:300])
        raise
    finally:
        run.counts = dict(sorted(counts.items()))
        run.failures = len(errors)
        run.errors = "\n".join(errors[:50])
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "failures", "errors", "finished_at"])
    return run


def send_unsent(*, counts: Counter | None = None, errors: list[str] | None = None) -> dict:
    """Send every unsent e-mail that may be tried now, in batches over one mail connection (a
    few statements per 500 e-mails). Each row is tried once per call; a failure waits for its
    back-off; a mail server that cannot be reached ends the call after one attempt (the next
    flush tries again). Returns the count sent per kind (and fills `counts`, `errors`)."""
    counts = Counter() if counts is None else counts
    errors = [] if errors is None else errors
    # Only the failures need keeping out of the next batch (their back-off may already have
    # passed): sent rows, and rows another worker took, are not claimable anyway. Keeping every
    # tried id would send a growing NOT IN list with each batch of a national sweep.
    failed: set[int] = set()
    # Not opened here: a mail server that refuses connections fails each e-mail (recorded on
    # its row), not the whole run.
    connection = mail.get_connection()
    try:
        while batch := delivery.deliver_batch(
            exclude=failed, connection=connection, on_sent=lambda row: counts.update([row.kind])
        ):
            for notification in batch:
                if notification.error is not None:
                    failed.add(notification.pk)
                    errors.append(_error(notification))
            if any(delivery.is_unreachable(n.error) for n in batch):
                break
    finally:
        connection.close()
    return dict(counts)


def _error(notification: Notification) -> str:
    exc = notification.error
    text = f"{type(exc).__name__}: {exc}"
    logger.warning("E-mail %s (%s) failed: %s", notification.pk, notification.kind, text)
    return f"{notification.kind} {notification.pk}: {text}"[:300]
