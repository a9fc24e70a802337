"""Thin tasks: load by id, send. The GP's email says only that something urgent waits."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.mail import send_email, stable_message_id

from .models import SafetyAlert

SAFETY_HEADLINE = _("Urgent: an item about one of your patients waits for you.")


def alerts_to_email() -> QuerySet[SafetyAlert]:
    """Alerts whose GP has not been e-mailed and that nobody holds (or whose holder died)."""
    lease_start = timezone.now() - timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    free = Q(gp_email_claimed_at=None) | Q(gp_email_claimed_at__lt=lease_start)
    return SafetyAlert.objects.filter(free, gp_notified_at=None)


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=3600,
    max_retries=8,
    acks_late=True,
)
def notify_gp_of_alert(alert_id: int) -> None:
    """Email the referring GP that an urgent item waits, once per alert however often it runs.

    The conditional update claims the alert for a while; `gp_notified_at` is written only once
    the mail server has the message. A failed send gives the claim back, so the retry can claim
    it again; a worker that died leaves a claim that runs out, and the next sweep sends it.
    """
    claimed_at = timezone.now()
    claimed = alerts_to_email().filter(pk=alert_id).update(gp_email_claimed_at=claimed_at)
    if claimed != 1:
        return
    alert = SafetyAlert.objects.select_related("referral__gp").get(pk=alert_id)
    try:
        send_email(
            to=alert.referral.gp.email,
            headline=SAFETY_HEADLINE,
            path=reverse("referrals:detail", args=[alert.referral_id]),
            message_id=stable_message_id(f"safety-alert-{alert_id}"),
        )
    except BaseException:
        SafetyAlert.objects.filter(pk=alert_id, gp_email_claimed_at=claimed_at).update(
            gp_email_claimed_at=None
        )
        raise
    SafetyAlert.objects.filter(pk=alert_id, gp_notified_at=None).update(
        gp_notified_at=timezone.now()
    )
