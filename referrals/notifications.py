"""Emails that must go out exactly once, even through a broker outage.

`notify()` writes a Notification row inside the caller's transaction and, after commit, tries to
queue its delivery. Queueing is best effort and never blocks a request for long: if the broker
is down the row simply stays unsent, and the next reminder sweep delivers it. `deliver()` claims
the row with a conditional update before sending, so two workers or two sweeps send it once.
"""

import logging
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import Notification, Referral

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


def notify(*, referral: Referral, kind: str, recipient: User, due_date: date | None = None):
    """Record that `recipient` must hear about `referral`; deliver after the transaction commits."""
    notification, created = Notification.objects.get_or_create(
        referral=referral, kind=kind, due_date=due_date or timezone.localdate(), recipient=recipient
    )
    if created:
        transaction.on_commit(lambda: dispatch(notification.pk))
    return notification


def dispatch(notification_id: int) -> bool:
    """Queue the delivery; if the broker is unreachable, leave it to the next sweep.

    True when queued (or, in the embedded default, delivered in-process).
    """
    from .tasks import deliver_notification

    try:
        deliver_notification.apply_async((notification_id,), retry=False)
    except Exception:  # noqa: BLE001 - a broker outage must never fail the user's request
        logger.warning("Could not queue notification %s; the sweep will send it", notification_id)
        return False
    return True


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


def send_email(
    *, to: str, headline, path: str, template: str = "notification", connection=None
) -> None:
    """One email in Dutch from the trio emails/<template>_{subject,body}.txt and _body.html."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {"link": f"{settings.SITE_URL}{path}", "headline": str(headline)}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"emails/{template}_body.txt", context),
            to=[to],
            connection=connection,
        )
        message.attach_alternative(
            render_to_string(f"emails/{template}_body.html", context), "text/html"
        )
        message.send()
