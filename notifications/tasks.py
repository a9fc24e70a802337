"""Thin tasks: load by id, call a service.

Retries are the outbox's, not Celery's: a failed attempt is written on the row with the time of
the next one, and `flush_outbox` (every minute under beat) tries whatever is due. So a worker
killed mid-send (its task lost with it, or waiting out Redis' visibility timeout) delays an
e-mail by one lease and a minute, never until tomorrow's sweep.
"""

import logging

from celery import shared_task

from outcomes.alerts import alerts_escalate

from . import delivery, sweep

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_notification(notification_id: int) -> bool:
    return delivery.deliver(notification_id)


def dispatch(notification_id: int) -> bool:
    """Queue the delivery; if the broker is unreachable, leave it to the flush or the sweep.

    True when queued (or, in the embedded default, delivered in-process).
    """
    try:
        deliver_notification.apply_async((notification_id,), retry=False)
    except Exception:  # noqa: BLE001 - a broker outage must never fail the user's request
        logger.warning("Could not queue notification %s; the flush will send it", notification_id)
        return False
    return True


@shared_task(acks_late=True)
def flush_outbox() -> dict[str, int]:
    """Beat runs this every minute: escalate the safety alerts whose working day has passed
    (so an escalation waits a minute, not for tomorrow's sweep), then send every unsent e-mail
    that may be tried now."""
    alerts_escalate()
    return sweep.send_unsent()


@shared_task(acks_late=True)
def reminder_sweep() -> dict[str, int]:
    """Celery beat runs this every morning: find due items and send every unsent e-mail."""
    run = sweep.sweep(trigger="beat")
    return run.counts
