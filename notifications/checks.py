"""Deploy checks (`manage.py check --deploy`) for the outbox's mail settings, found by the
operator's try-outs: settings that let an e-mail arrive twice, or be lost without anyone knowing."""

from email.utils import parseaddr

from django.conf import settings
from django.core import checks

#: About how many waits one SMTP send has: connect, greeting, sender, recipient, data, end.
SMTP_STEPS = 6


@checks.register(checks.Tags.security, deploy=True)
def mail_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = []
    if settings.EMAIL_TIMEOUT * SMTP_STEPS >= settings.NOTIFICATION_LEASE_SECONDS:
        problems.append(
            checks.Warning(
                f"EMAIL_TIMEOUT ({settings.EMAIL_TIMEOUT} s per step, about {SMTP_STEPS} steps) "
                f"does not fit in NOTIFICATION_LEASE_SECONDS ({settings.NOTIFICATION_LEASE_SECONDS}"
                " s): a slow mail server's e-mail is taken again by another worker mid-send and "
                "arrives twice.",
                hint="Lower EMAIL_TIMEOUT or raise NOTIFICATION_LEASE_SECONDS.",
                id="loopbaan.W001",
            )
        )
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    local, _at, domain = address.lower().partition("@")
    if local.replace("-", "").replace("_", "") in {"noreply", "donotreply"} or domain in {
        "example.org",
        "example.com",
        "example.net",
    }:
        problems.append(
            checks.Warning(
                f"DEFAULT_FROM_EMAIL ({address}) is a no-reply or example address. A mail relay "
                "reports an unknown recipient only by a bounce to this address: a safety alert "
                "to a mistyped GP address would be lost without anyone knowing.",
                hint="Use a mailbox someone reads (docs/operations.md, 'When e-mail stops').",
                id="loopbaan.W002",
            )
        )
    return problems
