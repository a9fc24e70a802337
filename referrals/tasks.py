"""Thin tasks: load by id, call a service. Their retry policy is declared here."""

from smtplib import SMTPException

from celery import shared_task

from . import notifications, reminders


@shared_task(
    autoretry_for=(OSError, SMTPException),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=notifications.MAX_ATTEMPTS,
    acks_late=True,
)
def deliver_notification(notification_id: int) -> bool:
    return notifications.deliver(notification_id)


@shared_task(acks_late=True)
def reminder_sweep() -> dict[str, int]:
    """Celery beat runs this every morning: find due items, then queue every unsent email."""
    run = reminders.sweep(trigger="beat", deliver_inline=False)
    return run.counts
