"""Thin tasks: load by id, call a service. Their retry policy is declared here."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from . import delivery, sweep

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(OSError, SMTPException),
    retry_backoff=settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=delivery.MAX_ATTEMPTS,
    acks_late=True,
)
def deliver_notification(notification_id: int) -> bool:
    return delivery.deliver(notification_id)


def dispatch(notification_id: int) -> bool:
    """Queue the delivery; if the broker is unreachable, leave it to the next sweep.

    True when queued (or, in the embedded default, delivered in-process).
    """
    try:
        deliver_notification.apply_async((notification_id,), retry=False)
    except Exception:  # noqa: BLE001 - a broker outage must never fail the user's request
        logger.warning("Could not queue notification %s; the sweep will send it", notification_id)
        return False
    return True


@shared_task(acks_late=True)
def reminder_sweep() -> dict[str, int]:
    """Celery beat runs this every morning: find due items, then queue every unsent email."""
    run = sweep.sweep(trigger="beat", dispatch=dispatch)
    return run.counts
