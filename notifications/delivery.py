"""Delivering the outbox: at least once, by lease, with back-off, and never given up silently.

A worker claims a row with a conditional update that sets `claimed_at` and `claimed_by` (a
lease of settings.NOTIFICATION_LEASE_SECONDS, held under a token of its own), hands the message
to the mail server, and only then writes `sent_at`. A worker that dies mid-way (a deploy, out of
memory) leaves a claim that runs out, and the next flush or sweep takes the row again; a worker
that is stopped (Ctrl-C, SIGTERM) gives back what it had not tried. Two live workers never send
the same row: a batch renews its lease while it works, and sends only rows it still holds. A
resend after a crash in the last instant carries the same Message-ID (derived from the row's id),
so a receiving system can drop it.

A failed attempt is tried again after a back-off that doubles per attempt (up to an hour). A row
gives up when the mail server refuses it for good (a 5xx answer: no such mailbox, say) or after
MAX_ATTEMPTS attempts (about a day of trying); it then shows on the reminder-runs page and turns
/healthz to 503 until an administrator sends it again (`resend`).
"""

import logging
import os
import secrets
import socket
import time
from datetime import datetime, timedelta
from smtplib import (
    SMTPConnectError,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
)

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.mail import send_email, stable_message_id

from . import patient_path
from .models import Notification

logger = logging.getLogger(__name__)

Kind = Notification.Kind

# What the recipient is told, per kind: only that something waits, never what.
HEADLINES = {
    Kind.NEW_REFERRAL: _("A new referral waits for you in Loopbaan."),
    Kind.REFERRAL_ANSWERED: _("A running therapist has accepted your referral."),
    Kind.REFERRAL_DECLINED: _(
        "A running therapist has declined your referral: choose another therapist in Loopbaan."
    ),
    Kind.NOT_CLEARED: _("A referral has come back to you after the sports-medical screening."),
    Kind.LETTER_BACK_READY: _("A report from the running therapist waits for you."),
    Kind.END_LETTER_READY: _(
        "A running therapy has ended: the therapist's end report waits for you."
    ),
    Kind.REFERRAL_UNANSWERED: _(
        "A referral has been waiting for your answer for more than two working days."
    ),
    Kind.INTAKE_OVERDUE: _(
        "An intake is overdue: a referral was accepted longer ago than its urgency allows."
    ),
    Kind.QUESTIONNAIRE_DUE: _("Questionnaires are due for one of your patients."),
    Kind.QUESTIONNAIRE_OVERDUE: _("Questionnaires for one of your patients are overdue."),
    Kind.LETTER_BACK_DUE: _("A report to the GP is due."),
    Kind.FOLLOW_UP_DUE: _("A follow-up consultation is due for one of your patients."),
    Kind.FOLLOW_UP_OVERDUE: _("A follow-up consultation for one of your patients is overdue."),
    Kind.SAFETY_ALERT: _("Urgent: an item about one of your patients waits for you."),
    Kind.SAFETY_ALERT_ESCALATED: _(
        "Urgent: an item about a patient of your practice has waited a working day without"
        " anyone acting on it. Please look today."
    ),
    Kind.CLOSE_DUE: _("A running therapy has reached week 12: close it and send the end report."),
    # No score, no word on the mood: only that something waits (docs/security.md).
    Kind.DETERIORATION: _("A questionnaire result of one of your patients waits for you."),
    Kind.ADDENDUM_READY: _(
        "The running therapist has corrected a report sent to you: the addendum waits for you."
    ),
    # To the patient: what waits, never why (no condition, no score).
    Kind.PATIENT_QUESTIONNAIRE: _("Your running therapist asks you to fill in a questionnaire."),
    Kind.PATIENT_REMINDER: _("A reminder: a questionnaire from your running therapist waits."),
    Kind.PATIENT_RUNNING_LOG: _("Your running therapist invites you to keep your running log."),
}
# With the back-off doubling from NOTIFICATION_RETRY_BACKOFF_SECONDS (30 s) up to an hour, 30
# attempts take about a day: a mail server away for a night loses nothing.
MAX_ATTEMPTS = 30
BACKOFF_MAX_SECONDS = 3600


def worker_identity() -> str:
    """Who holds a claim: host, process and a token of this claim's own, so a stuck claim can
    be traced to its worker and two claims of one process are never confused."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[-100:]


def message_id(notification: Notification) -> str:
    """The same for every attempt at one row, so a resend is recognisable as the same message;
    never the same for two rows, even when a restored backup hands out an id again (the id's
    row is then a new one, made at another moment: found by the operator)."""
    made = notification.created_at.strftime("%Y%m%d%H%M%S%f")
    return stable_message_id(f"notification-{notification.pk}-{made}")


def lease_expired_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    seconds = settings.NOTIFICATION_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def claimable(now: datetime) -> QuerySet[Notification]:
    """Unsent rows that may be tried now: nobody holds them (never claimed, given back, or the
    lease ran out), their back-off has passed, and they have not given up."""
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_expired_before(now))
    due = Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    return Notification.objects.filter(free, due, sent_at__isnull=True, gave_up_at__isnull=True)


def given_up() -> QuerySet[Notification]:
    """Rows nothing sends any more: a person must look (the reminder-runs page)."""
    return Notification.objects.filter(sent_at__isnull=True, gave_up_at__isnull=False)


def is_permanent(exc: BaseException) -> bool:
    """The mail server refused the message for good (5xx): trying again cannot help."""
    if isinstance(exc, SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    return isinstance(exc, SMTPResponseException) and 500 <= exc.smtp_code < 600


def is_unreachable(exc: BaseException | None) -> bool:
    """The mail server could not be reached at all: the rest of a batch would fail the same."""
    return isinstance(exc, (OSError, SMTPConnectError, SMTPServerDisconnected))


def resend(rows: QuerySet[Notification]) -> int:
    """An administrator's "send again" for rows that gave up: a fresh series of attempts, now.
    The last error stays until an attempt succeeds or fails anew."""
    return rows.filter(sent_at__isnull=True).update(
        gave_up_at=None, retry_at=None, attempts=0, claimed_at=None, claimed_by=""
    )


def deliver(notification_id: int) -> bool:
    """Send one notification unless it is sent, held by a live claim, waiting out its
    back-off, or given up. True when this call sent it."""
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
    return _send_claimed(notification, me) is None


def deliver_batch(
    *, exclude: set[int] = frozenset(), size: int = 500, connection=None, on_sent=None
):
    """Claim up to `size` notifications that may be tried now, in one statement, and send them.

    Rows another worker holds are skipped (SKIP LOCKED while claiming, the lease after). The
    lease is renewed while the batch works, and a row is sent only while this batch still holds
    it, so a slow mail server cannot let a second sweep take the tail and send it twice. A mail
    server that cannot be reached ends the batch after one attempt; stopped half-way (Ctrl-C,
    SIGTERM as SystemExit), it gives back the rows it had not tried, their attempts uncounted.
    `on_sent(row)` is called after each e-mail the mail server took, so a caller's count stays
    true even when the batch is stopped. Returns the claimed rows; a row whose send failed
    carries `.error`, an untried one None.
    """
    now = timezone.now()
    me = worker_identity()
    with transaction.atomic():
        ids = list(
            claimable(now)
            .select_for_update(skip_locked=True)
            .exclude(pk__in=exclude)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        claimable(now).filter(pk__in=ids).update(
            claimed_at=now, claimed_by=me, attempts=F("attempts") + 1
        )
    claimed = list(
        Notification.objects.filter(pk__in=ids, claimed_by=me)
        .select_related("recipient")
        .order_by("pk")
    )
    untried = {notification.pk for notification in claimed}
    renewed = time.monotonic()
    for notification in claimed:
        notification.error = None
    try:
        for notification in claimed:
            if time.monotonic() - renewed > settings.NOTIFICATION_LEASE_SECONDS / 4:
                untried &= _renew(untried, me)
                renewed = time.monotonic()
            if notification.pk not in untried:
                continue  # the lease ran out and another worker took it
            untried.discard(notification.pk)
            notification.error = _send_claimed(notification, me, connection=connection)
            if notification.error is None and on_sent:
                on_sent(notification)
            if is_unreachable(notification.error):
                break
    finally:
        if untried:  # stopped half-way: give back what was not tried, attempts uncounted
            Notification.objects.filter(pk__in=untried, claimed_by=me, sent_at__isnull=True).update(
                claimed_at=None, claimed_by="", attempts=F("attempts") - 1
            )
    return claimed


def _renew(ids: set[int], me: str) -> set[int]:
    """Renew this worker's lease on `ids`; the ids it still holds."""
    mine = Notification.objects.filter(pk__in=ids, claimed_by=me, sent_at__isnull=True)
    mine.update(claimed_at=timezone.now())
    return set(mine.values_list("pk", flat=True))


def _send_claimed(notification: Notification, me: str, connection=None) -> Exception | None:
    """Hand one claimed row to the mail server; None when it took it, else the failure (which
    is recorded on the row: a retry time, or given up)."""
    held = Notification.objects.filter(pk=notification.pk, sent_at__isnull=True)
    try:
        path, template = reverse("referrals:detail", args=[notification.referral_id]), None
        if notification.kind in patient_path.KINDS:
            path, template = patient_path.link_path(notification), "patient_link"
        send_email(
            to=notification.to,
            headline=HEADLINES[notification.kind],
            path=path,
            connection=connection,
            message_id=message_id(notification),
            **({"template": template} if template else {}),
        )
    except Exception as exc:  # noqa: BLE001 - recorded on the row; the flush tries again
        now = timezone.now()
        failure = {"claimed_at": None, "claimed_by": "", "last_error": _describe(exc)}
        if is_permanent(exc) or notification.attempts >= MAX_ATTEMPTS:
            failure["gave_up_at"] = now
            logger.error("Notification %s gave up: %s", notification.pk, failure["last_error"])
        else:
            failure["retry_at"] = now + backoff(notification.attempts)
            logger.warning("Notification %s failed: %s", notification.pk, failure["last_error"])
        held.update(**failure)
        notification.__dict__.update(failure)
        return exc
    except BaseException:
        # Stopped mid-send (Ctrl-C, SIGTERM): not a failure of the mail; give the row back.
        held.filter(claimed_by=me).update(
            claimed_at=None, claimed_by="", attempts=F("attempts") - 1
        )
        raise
    # The mail server has it: only now is the row sent. The claim and the retry time go; the
    # last error stays, as the row's history of what went wrong before.
    notification.sent_at = timezone.now()
    held.update(sent_at=notification.sent_at, claimed_at=None, claimed_by="", retry_at=None)
    return None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]
