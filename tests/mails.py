"""The links in the e-mails the tests' users received (django.core.mail.outbox)."""

import re

from django.conf import settings
from django.core import mail


def mailed_links(to: str, starting: str = "/") -> list[str]:
    """The paths of SITE_URL links starting with `starting` in the e-mails sent to `to`."""
    pattern = re.compile(re.escape(settings.SITE_URL) + r"(" + re.escape(starting) + r"\S*)")
    return [
        path
        for message in mail.outbox
        if to in message.to
        for path in pattern.findall(message.body)
    ]


def mailed_link(to: str, starting: str = "/") -> str:
    """The newest such link; fails when there is none."""
    links = mailed_links(to, starting)
    assert links, f"no e-mail to {to} with a link to {starting}"
    return links[-1]
