"""A growing delay between sign-in attempts for one account, from any address.

django-axes locks an account only together with the address the failures come from (settings:
AXES_LOCKOUT_PARAMETERS), so nobody can lock a GP out from elsewhere. What stops a guesser who
spreads attempts over many addresses is this delay: once an account has AXES_FAILURE_LIMIT
failures within the cool-off time (from any address, counted in axes' AccessAttempt rows), each
next attempt must wait 2, 4, 8 ... seconds after the last failure, at most
LOGIN_DELAY_MAX_SECONDS. An attempt made too early is answered without checking the password and
does not count, so the delay cannot be pushed further by hammering, and the real user waits at
most a minute. OWASP's Authentication Cheat Sheet calls this "login throttling".

The delay could still be used against a GP: one failure from a fresh address each time the wait
ends kept the real user waiting for good (found by an attacker's try-out, about one request a
minute). So a browser that signed in to the account before carries a signed "known device"
cookie (OWASP's device cookies), and the delay does not apply to it; axes' lockout of an address
still does.

When axes locks an account (from one address), the user is e-mailed, so a lockout they did not
cause does not go unnoticed.
"""

import hashlib
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.mail import send_email

from .models import User

LOCKED_HEADLINE = _(
    "Someone entered a wrong password for your Loopbaan account five times from one internet "
    "address. Signing in from that address is blocked for 15 minutes; from elsewhere you can "
    "still sign in."
)


KNOWN_DEVICE_COOKIE = "loopbaan_device"
KNOWN_DEVICE_SALT = "accounts.throttle.known-device"
KNOWN_DEVICE_DAYS = 180


#: Wrong passwords through one device cookie before it no longer skips the delay (a copied
#: cookie, found by the second attacker's try-out, guessed without waiting).
KNOWN_DEVICE_FAILURES = 5


def _device_key(value: str, username: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}:{value}".encode()).hexdigest()
    return f"loopbaan:device-failures:{digest}"


def device_failed(request, username: str) -> None:
    """A wrong password from a browser with a known-device cookie for `username`: counted."""
    value = request.COOKIES.get(KNOWN_DEVICE_COOKIE)
    if value and known_device(request, username):
        key = _device_key(value, username)
        cache.add(key, 0, timeout=int(settings.AXES_COOLOFF_TIME.total_seconds()))
        cache.incr(key)


def known_device(request, username: str) -> bool:
    """Whether this browser signed in to `username` before (the signed cookie names it), and
    its cookie has not been used for too many wrong passwords since."""
    value = request.COOKIES.get(KNOWN_DEVICE_COOKIE)
    if not value:
        return False
    if (cache.get(_device_key(value, username)) or 0) >= KNOWN_DEVICE_FAILURES:
        return False
    try:
        names = signing.loads(
            value, salt=KNOWN_DEVICE_SALT, max_age=timedelta(days=KNOWN_DEVICE_DAYS)
        )
    except signing.BadSignature:
        return False
    return isinstance(names, list) and username.lower() in names


def remember_device(request, response, username: str) -> None:
    """After a successful sign-in: this browser is known for `username` (a few accounts at
    most, e.g. a shared consulting-room computer)."""
    names = []
    value = request.COOKIES.get(KNOWN_DEVICE_COOKIE)
    if value:
        try:
            names = signing.loads(value, salt=KNOWN_DEVICE_SALT)
        except signing.BadSignature:
            names = []
    names = [n for n in names if isinstance(n, str) and n != username.lower()][-4:]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        signing.dumps([*names, username.lower()], salt=KNOWN_DEVICE_SALT),
        max_age=KNOWN_DEVICE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def seconds_to_wait(username: str) -> int:
    """How long the next attempt for `username` must still wait (0: it may go ahead)."""
    now = timezone.now()
    recent = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    failures = recent["failures"] or 0
    if failures < settings.AXES_FAILURE_LIMIT:
        return 0
    delay = min(2 ** (failures - settings.AXES_FAILURE_LIMIT + 1), settings.LOGIN_DELAY_MAX_SECONDS)
    remaining = recent["last"] + timedelta(seconds=delay) - now
    return max(0, int(remaining.total_seconds() + 0.999))


def locked(request, username: str) -> bool:
    """Whether axes has locked this account for this request's address."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, {"username": username})


def email_the_locked_user(sender, request, username: str, ip_address: str, **kwargs) -> None:
    """axes' user_locked_out signal: tell the account's owner (nothing if there is no such
    account: the sign-in page says the same either way)."""
    user = User.objects.filter(email__iexact=username or "", is_active=True).first()
    if user is None:
        return
    send_email(
        to=user.email,
        headline=LOCKED_HEADLINE,
        path=reverse("accounts:login"),
        template="account_locked",
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(email_the_locked_user, dispatch_uid="loopbaan_email_locked_user")
