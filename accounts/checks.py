"""Deploy checks: the passkey settings, and a cache shared by every process.

The passkeys: the relying party id and the origins are set, and agree.

A passkey is bound to the relying party id for good, and the browser offers it only on an
origin of that domain; without them (or with http) no passkey can be added or used in
production. `manage.py check --deploy` reports it (tests/test_settings.py).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

HINT = (
    "Set WEBAUTHN_RP_ID to the site's domain (loopbaan.example.org) and WEBAUTHN_ORIGINS to the "
    "address users open (https://loopbaan.example.org)."
)


@register(Tags.security, deploy=True)
def passkey_settings(app_configs, **kwargs) -> list[Error]:
    rp_id = settings.OTP_WEBAUTHN_RP_ID
    origins = settings.OTP_WEBAUTHN_ALLOWED_ORIGINS
    if not rp_id or not origins:
        return [
            Error(
                "The passkey relying party id or origins are not set.",
                hint=HINT,
                id="accounts.E010",
            )
        ]
    errors = []
    for origin in origins:
        parts = urlsplit(origin)
        host = parts.hostname or ""
        if parts.scheme != "https" or not (host == rp_id or host.endswith(f".{rp_id}")):
            errors.append(
                Error(
                    f"The passkey origin {origin!r} is not https on {rp_id!r} or a subdomain.",
                    hint=HINT,
                    id="accounts.E011",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def shared_cache(app_configs, **kwargs) -> list[Warning]:
    """The throttle's counts live in the cache: per process, a limit of 5 becomes 5 per worker."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")):
        return [
            Warning(
                "The cache is per process: the sign-in throttle counts failures per worker.",
                hint="Set CACHE_URL to a shared cache, e.g. redis://redis:6379/1.",
                id="accounts.W020",
            )
        ]
    return []
