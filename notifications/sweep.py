"""The daily reminder sweep: every due item becomes a Notification row (once), and every unsent
row is sent (or queued). Beat runs it at 07:30 Europe/Amsterdam; `manage.py send_reminders` too.
"""

import logging
from collections import Counter
from collections.abc import Callable
from datetime import date

from django.core import mail
from django.utils import timezone

from outcomes.tasks import alerts_to_email, notify_gp_of_alert

from . import delivery
from .due import due_items
from .models import Notification, ReminderRun

logger = logging.getLogger(__name__)


def sweep(
    *,
    today: date | None = None,
    trigger: str = "command",
    dispatch: Callable[[int], bool] | None = None,
):
    """Record every due item as a Notification (once) and send every unsent one.

    Without `dispatch` (the command, and the embedded default) this process sends the emails;
    with it (notifications.tasks.dispatch, from the beat task) each is queued for a worker.
    Either way a row is claimed before it is sent.
    """
    deliver_inline = dispatch is None
    today = today or timezone.localdate()
    run = ReminderRun.objects.create(trigger=trigger)
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

    counts: Counter[str] = Counter()
    errors: list[str] = []
    if deliver_inline:
        # Claim and send in batches over one mail connection: a few statements per 500 emails.
        failed: set[int] = set()
        with mail.get_connection() as connection:
            while batch := delivery.deliver_batch(exclude=failed, connection=connection):
                for notification in batch:
                    if notification.error is None:
                        counts[notification.kind] += 1
                    else:
                        failed.add(notification.pk)
                        errors.append(
                            _error(notification.kind, notification.pk, notification.error)
                        )
    else:
        unsent = delivery.claimable(timezone.now()).filter(attempts__lt=delivery.MAX_ATTEMPTS)
        unsent = unsent.values_list("pk", "kind")
        for pk, kind in unsent.iterator(chunk_size=2000):
            if dispatch(pk):
                counts[kind] += 1
            else:
                errors.append(_error(kind, pk, "could not be queued; the next sweep sends it"))
    _resend_missed_alerts(deliver_inline=deliver_inline, counts=counts, errors=errors)

    run.counts = dict(sorted(counts.items()))
    run.failures = len(errors)
    run.errors = "\n".join(errors[:50])
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "failures", "errors", "finished_at"])
    return run


def _error(kind: str, pk: int, exc) -> str:
    text = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc)
    logger.warning("Reminder %s (%s) failed: %s", pk, kind, text)
    return f"{kind} {pk}: {text}"[:300]


def _resend_missed_alerts(*, deliver_inline: bool, counts: Counter, errors: list[str]) -> None:
    """Safety alerts whose email never went out (the broker was down, or the worker died)."""
    for pk in alerts_to_email().values_list("pk", flat=True):
        try:
            if deliver_inline:
                notify_gp_of_alert.run(pk)
            else:
                notify_gp_of_alert.apply_async((pk,), retry=False)
            counts["safety_alert"] += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(f"safety_alert {pk}: {type(exc).__name__}: {exc}"[:300])
