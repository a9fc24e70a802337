"""Thin tasks: load by id, send. Emails say only that something waits, with a link."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Referral

# What a GP is told, per kind: only that something waits, never what.
GP_HEADLINES = {
    "referral_answered": _("A running therapist has answered your referral."),
    "not_cleared": _("A referral has come back to you after the sports-medical screening."),
    "report_ready": _("A report from the running therapist waits for you."),
    "safety_alert": _("Urgent: an item about one of your patients waits for you."),
}


def send_notification(*, to: str, template: str, path: str, headline=None) -> None:
    """One email in Dutch from the trio emails/<template>_{subject,body}.txt and _body.html."""
    with translation.override(settings.LANGUAGE_CODE):
        # A lazy headline is translated here, in the email's language.
        context = {"link": f"{settings.SITE_URL}{path}", "headline": str(headline or "")}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"emails/{template}_body.txt", context),
            to=[to],
        )
        message.attach_alternative(
            render_to_string(f"emails/{template}_body.html", context), "text/html"
        )
        message.send()


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
    acks_late=True,
)
def notify_new_referral(referral_id: int) -> None:
    referral = Referral.objects.select_related("therapist__user").get(pk=referral_id)
    send_notification(
        to=referral.therapist.user.email,
        template="new_referral",
        path=reverse("referrals:detail", args=[referral.pk]),
    )


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
    acks_late=True,
)
def notify_gp(referral_id: int, kind: str) -> None:
    referral = Referral.objects.select_related("gp").get(pk=referral_id)
    send_notification(
        to=referral.gp.email,
        template="gp_notification",
        path=reverse("referrals:detail", args=[referral.pk]),
        headline=GP_HEADLINES[kind],
    )
