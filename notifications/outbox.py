"""E-mails that must go out, even through a broker outage or a worker that dies.

`notify()` writes a Notification row inside the caller's transaction and, after commit, tries to
queue its delivery (notifications.tasks.dispatch). Queueing is best effort and never blocks a
request for long: if the broker is down the row simply stays unsent, and the outbox flush
(every minute under Celery beat) or the next reminder sweep delivers it.
notifications.delivery claims the row with a conditional update before sending.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from referrals.models import Referral

from .models import Notification
from .tasks import dispatch


def notify(
    *,
    referral: Referral,
    kind: str,
    recipient: User,
    key: str = "",
    due_date: date | None = None,
    address: str = "",
):
    """Record that `recipient` must hear about `referral`; deliver after the transaction commits.

    `key` names the event (e.g. "event-12", "alert-3"): each event gets its own e-mail, and the
    same event twice gets one. `address`: send to this address (a practice's) instead of the
    recipient's own; give such a copy a key of its own.
    """
    notification, created = Notification.objects.get_or_create(
        referral=referral,
        kind=kind,
        due_date=due_date or timezone.localdate(),
        recipient=recipient,
        key=key,
        defaults={"address": address},
    )
    if created:
        transaction.on_commit(lambda: dispatch(notification.pk))
    return notification
