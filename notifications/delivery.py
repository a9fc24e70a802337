"""Delivering the outbox: at least once, by lease.

A worker claims a row with a conditional update that sets `claimed_at` and `claimed_by` (a
lease of settings.NOTIFICATION_LEASE_SECONDS), hands the message to the mail server, and only
then writes `sent_at`. A failed send gives the claim back at once; a worker that dies mid-way
(a deploy, out of memory) leaves a claim that runs out, and the next worker or sweep takes the
row again. Two live workers never hold the same row. A resend after a crash in the last instant
carries the same Message-ID (derived from the row's id), so a receiving system can drop it.
"""

import logging
import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.mail import send_email, stable_message_id

from .models import Notification

logger = logging.getLogger(__name__)

Kind = Notification.Kind

# What the recipient is told, per kind: only that something waits, never what.
HEADLINES = {
    Kind.NEW_REFERRAL: _("A new referral waits for you in Loopbaan."),
    Kind.REFERRAL_ANSWERED: _("A running therapist has answered your referral."),
    Kind.NOT_CLEARED: _("A referral has come back to you after the sports-medical screening."),
    Kind.LETTER_BACK_READY: _("A report from the running therapist waits for you."),
    Kind.END_LETTER_READY: _(
        "A running therapy has ended: the therapist's end report waits for you."
    ),
    Kind.REFERRAL_UNANSWERED: _(
        "A referral has been waiting for your answer for more than two working days."
    ),
    Kind.INTAKE_OVERDUE: _("An intake is overdue: a referral was accepted over 14 days ago."),
    Kind.QUESTIONNAIRE_DUE: _("Questionnaires are due for one of your patients."),
    Kind.QUESTIONNAIRE_OVERDUE: _("Questionnaires for one of your patients are overdue."),
    Kind.LETTER_BACK_DUE: _("A report to the GP is due."),
    Kind.FOLLOW_UP_DUE: _("A follow-up consultation is due for one of your patients."),
    Kind.FOLLOW_UP_OVERDUE: _("A follow-up consultation for one of your patients is overdue."),
}
MAX_ATTEMPTS = 8


def worker_identity() -> str:
    """Who holds a claim: host and process, so a stuck claim can be traced to its worker."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def message_id(notification_id: int) -> str:
    """The same for every attempt at one row: a resend is recognisable as the same message."""
    return stable_message_id(f"notification-{notification_id}")


def lease_expired_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def claimable(now: datetime) -> QuerySet[Notification]:
    """Unsent rows nobody holds: never claimed, given back, or whose lease has run out."""
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_expired_before(now))
    return Notification.objects.filter(free, sent_at__isnull=True)


def given_up() -> QuerySet[Notification]:
    """Rows that failed MAX_ATTEMPTS times: nothing sends them any more; a person must look."""
    return Notification.objects.filter(sent_at__isnull=True, attempts__gte=MAX_ATTEMPTS)


def deliver(notification_id: int) -> bool:
    """Send one notification unless it is sent or held by a live claim. True when this call
    sent it."""
    now = timezone.now()
    me = worker_identity()
    claimed = (
        claimable(now)
        .filter(pk=notification_id)
        .update(claimed_at=now, claimed_by=me, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    _send_claimed(notification)
    return True


def deliver_batch(*, exclude: set[int], size: int = 500, connection=None) -> list[Notification]:
    """Claim up to `size` unsent notifications in one statement and send them.

    Rows another sweep holds are skipped (SKIP LOCKED while claiming, the lease after), so two
    sweeps at once never send the same row. Returns the claimed rows; a row whose send failed
    carries `.error`.
    """
    now = timezone.now()
    me = worker_identity()
    with transaction.atomic():
        ids = list(
            claimable(now)
            .select_for_update(skip_locked=True)
            .filter(attempts__lt=MAX_ATTEMPTS)
            .exclude(pk__in=exclude)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        claimable(now).filter(pk__in=ids).update(
            claimed_at=now, claimed_by=me, attempts=F("attempts") + 1
        )
    claimed = list(
        Notification.objects.filter(pk__in=ids, claimed_at=now, claimed_by=me).select_related(
            "recipient"
        )
    )
    for notification in claimed:
        notification.error = None
        try:
            _send_claimed(notification, connection=connection)
        except Exception as exc:  # noqa: BLE001 - one failed email must not stop the others
            notification.error = exc
    return claimed


def _send_claimed(notification: Notification, connection=None) -> None:
    try:
        send_email(
            to=notification.recipient.email,
            headline=HEADLINES[notification.kind],
            path=reverse("referrals:detail", args=[notification.referral_id]),
            connection=connection,
            message_id=message_id(notification.pk),
        )
    except BaseException as exc:
        # Give the claim back (even on Ctrl-C) so a retry or the next sweep can send it.
        Notification.objects.filter(pk=notification.pk, sent_at__isnull=True).update(
            claimed_at=None, claimed_by="", last_error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        raise
    # The mail server has it: only now is the row sent.
    Notification.objects.filter(pk=notification.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    notification.sent_at = timezone.now()
