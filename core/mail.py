"""Sending one e-mail from a template trio, in the site's language. Nothing of the domain: what
an e-mail says and when it goes out is decided by the apps (notifications, outcomes)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def stable_message_id(key: str) -> str:
    """A Message-ID that every attempt at one message shares (`key` names the message), so a
    resend after a crash can be recognised, and dropped, by the receiving system."""
    domain = urlsplit(settings.SITE_URL).hostname or "loopbaan.invalid"
    return f"<{key}@{domain}>"


def send_email(
    *,
    to: str,
    headline,
    path: str,
    template: str = "notification",
    connection=None,
    message_id: str | None = None,
) -> None:
    """One email in Dutch from the trio emails/<template>_{subject,body}.txt and _body.html.

    `message_id`: a Message-ID of the caller's, the same for every attempt at one message.
    """
    with translation.override(settings.LANGUAGE_CODE):
        context = {"link": f"{settings.SITE_URL}{path}", "headline": str(headline)}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"emails/{template}_body.txt", context),
            to=[to],
            connection=connection,
            headers={"Message-ID": message_id} if message_id else None,
        )
        message.attach_alternative(
            render_to_string(f"emails/{template}_body.html", context), "text/html"
        )
        message.send()
