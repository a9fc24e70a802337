"""Thin tasks: load by id, send. The GP's email says only that something urgent waits."""

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.mail import send_email

from .models import SafetyAlert

SAFETY_HEADLINE = _("Urgent: an item about one of your patients waits for you.")


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
    acks_late=True,
)
def notify_gp_of_alert(alert_id: int) -> None:
    """Email the referring GP that an urgent item waits, once per alert however often it runs.

    The conditional update claims the alert; a failed send gives the claim back, so the retry
    can claim it again.
    """
    claimed_at = timezone.now()
    claimed = SafetyAlert.objects.filter(pk=alert_id, gp_notified_at=None).update(
        gp_notified_at=claimed_at
    )
    if claimed != 1:
        return
    alert = SafetyAlert.objects.select_related("referral__gp").get(pk=alert_id)
    try:
        send_email(
            to=alert.referral.gp.email,
            headline=SAFETY_HEADLINE,
            path=reverse("referrals:detail", args=[alert.referral_id]),
        )
    except BaseException:
        SafetyAlert.objects.filter(pk=alert_id, gp_notified_at=claimed_at).update(
            gp_notified_at=None
        )
        raise
