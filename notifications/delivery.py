"""Delivering the outbox: claim a row with a conditional update, send it, give the claim back on
failure. Two workers or two sweeps never send the same row."""

import logging

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.mail import send_email

from .models import Notification

logger = logging.getLogger(__name__)

Kind = Notification.Kind

# What the recipient is told, per kind: only that something waits, never what.
HEADLINES = {
    Kind.NEW_REFERRAL: _("A new referral waits for you in Loopbaan."),
    Kind.REFERRAL_ANSWERED: _("A running therapist has answered your referral."),
    Kind.NOT_CLEARED: _("A referral has come back to you after the sports-medical screening."),
    Kind.REPORT_READY: _("A report from the running therapist waits for you."),
    Kind.REFERRAL_UNANSWERED: _(
        "A referral has been waiting for your answer for more than two working days."
    ),
    Kind.INTAKE_OVERDUE: _("An intake is overdue: a referral was accepted over 14 days ago."),
    Kind.QUESTIONNAIRE_DUE: _("Questionnaires are due for one of your patients."),
    Kind.QUESTIONNAIRE_OVERDUE: _("Questionnaires for one of your patients are overdue."),
    Kind.REPORT_DUE: _("A report to the GP is due."),
    Kind.FOLLOW_UP_DUE: _("A follow-up consultation is due for one of your patients."),
    Kind.FOLLOW_UP_OVERDUE: _("A follow-up consultation for one of your patients is overdue."),
}
MAX_ATTEMPTS = 8


def deliver(notification_id: int) -> bool:
    """Send one notification if nobody has yet. True when this call sent it."""
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, sent_at__isnull=True).update(
        sent_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    _send_claimed(notification)
    return True


def deliver_batch(*, exclude: set[int], size: int = 500, connection=None) -> list[Notification]:
    """Claim up to `size` unsent notifications in one statement and send them.

    Rows another sweep holds are skipped (SKIP LOCKED), so two sweeps at once never send the
    same row. Returns the claimed rows; a row whose send failed carries `.error`.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .exclude(pk__in=exclude)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        Notification.objects.filter(pk__in=ids, sent_at__isnull=True).update(
            sent_at=now, attempts=F("attempts") + 1
        )
    claimed = list(Notification.objects.filter(pk__in=ids, sent_at=now).select_related("recipient"))
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
        )
    except BaseException as exc:
        # Give the claim back (even on Ctrl-C) so a retry or the next sweep can send it.
        Notification.objects.filter(pk=notification.pk).update(
            sent_at=None, last_error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        raise
