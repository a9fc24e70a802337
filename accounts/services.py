"""Account writes that carry a rule: enrolment links, passkeys, resetting two factors, e-mails.

No one but the user ever sets up their authenticator or chooses their password: the
administrator can only send the user a link, to the user's own address. E-mails go out after
commit (a mail server that fails is logged, not raised: the row is written and the user can ask
for a new link); they say only what was asked for, with the link.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from core.mail import send_email

from .audit import access_log_write
from .exceptions import EnrolmentLinkTooSoon, LastSecondFactor
from .models import AccessLog, EnrolmentLink, User

logger = logging.getLogger(__name__)

RECOVERY_CODES = 10
ENROLMENT_LINK_VALID = timedelta(hours=24)
# A user asking for a new link themselves: one per 5 minutes, five a day.
ENROLMENT_LINK_INTERVAL = timedelta(minutes=5)
ENROLMENT_LINKS_PER_DAY = 5

HEADLINES = {
    "enrolment": _("A link to set up two-factor sign-in for your Loopbaan account was requested."),
    "two_factor_reset": _(
        "The two-factor sign-in of your Loopbaan account was reset by the administrator. "
        "Set up your authenticator app again with this link."
    ),
    "password_reset": _("A password reset was requested for your Loopbaan account."),
    "password_new": _("A Loopbaan account was made for you. Choose your password with this link."),
    "colleague_deactivated": _(
        "An account of your practice was switched off in Loopbaan by the administrator. If you "
        "did not expect this, contact the administrator."
    ),
    "colleague_added": _(
        "A new colleague was added to your practice in Loopbaan. Confirm that you know them "
        "before they can see the practice's patients."
    ),
}


def token_hash(token: str) -> str:
    """The token is 256 random bits: a plain SHA-256 of it cannot be reversed or guessed."""
    return hashlib.sha256(token.encode()).hexdigest()


def _mail_after_commit(*, user: User, kind: str, path: str) -> None:
    def send() -> None:
        send_email(to=user.email, headline=HEADLINES[kind], path=path, template="account_link")

    transaction.on_commit(send, robust=True)


def enrolment_link_send(*, user: User, kind: str = "enrolment") -> EnrolmentLink:
    """A new one-time enrolment link, e-mailed to the user; earlier unused links stop working."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        EnrolmentLink.objects.filter(user=user, used_at=None, expires_at__gt=now).update(
            expires_at=now
        )
        link = EnrolmentLink.objects.create(
            user=user,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + ENROLMENT_LINK_VALID,
        )
        path = reverse("accounts:enrol", kwargs={"token": token})
        _mail_after_commit(user=user, kind=kind, path=path)
    return link


def enrolment_link_request(*, user: User) -> EnrolmentLink:
    """The user asks for a new link from the 'link sent' page; refused when asked too often."""
    now = timezone.now()
    recent = EnrolmentLink.objects.filter(user=user, created_at__gt=now - timedelta(days=1))
    if recent.filter(created_at__gt=now - ENROLMENT_LINK_INTERVAL).exists() or (
        recent.count() >= ENROLMENT_LINKS_PER_DAY
    ):
        raise EnrolmentLinkTooSoon(_("A link was sent a moment ago. Please try again later."))
    return enrolment_link_send(user=user)


def enrolment_link_valid(*, token: str) -> EnrolmentLink | None:
    """The unused, unexpired link of this token, or None."""
    return (
        EnrolmentLink.objects.select_related("user")
        .filter(
            token_hash=token_hash(token),
            used_at=None,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def enrolment_link_use(*, link_id: int, user: User) -> bool:
    """Spend the link (compare-and-swap: it works once, however many tabs post at once)."""
    now = timezone.now()
    used = EnrolmentLink.objects.filter(
        pk=link_id, user=user, used_at=None, expires_at__gt=now
    ).update(used_at=now)
    return used == 1


def recovery_codes_create(*, user: User) -> list[str]:
    """Replace the user's recovery codes with ten new single-use ones."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name="recovery", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def two_factor_enrol(*, user: User, device: TOTPDevice, link_id: int) -> list[str] | None:
    """The user typed a right code from the new authenticator: spend the link, confirm the
    device, make the recovery codes. None when the link was spent meanwhile (nothing changes)."""
    with transaction.atomic():
        if not enrolment_link_use(link_id=link_id, user=user):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_create(user=user)


def passkey_enrol(*, user: User, link_id: int) -> bool:
    """The user's first passkey was just registered from the enrolment link: spend the link
    (inside the registration's transaction). False when it was spent meanwhile: the caller
    rolls the passkey back. The recovery codes follow once the passkey has a name."""
    return enrolment_link_use(link_id=link_id, user=user)


def second_factors(user: User) -> int:
    """How many second factors the user has: a confirmed authenticator app and each passkey.
    (Recovery codes are a way back in, not a factor to keep.)"""
    apps = TOTPDevice.objects.filter(user=user, confirmed=True).count()
    return apps + WebAuthnCredential.objects.filter(user=user, confirmed=True).count()


def _log_two_factor_change(
    *, by: User, user: User, client_address: str | None, url_name: str
) -> None:
    access_log_write(
        user=by,
        action=AccessLog.Action.CHANGE,
        part="two_factor",
        subject_user_id=user.pk,
        client_address=client_address,
        method="POST",
        url_name=url_name,
    )


def passkey_remove(
    *, user: User, passkey: WebAuthnCredential, client_address: str | None, url_name: str
) -> None:
    """Remove one of the user's own passkeys, never their last second factor; logged."""
    with transaction.atomic():
        # Lock the user's row: two tabs removing their last two passkeys at once leave one.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if second_factors(user) <= 1:
            raise LastSecondFactor(
                _(
                    "This is your only second factor. Add another passkey or an authenticator "
                    "app first."
                )
            )
        passkey.delete()
        _log_two_factor_change(by=user, user=user, client_address=client_address, url_name=url_name)


def two_factor_reset(
    *, user: User, by: User, client_address: str | None = None, url_name: str = ""
) -> None:
    """Remove the user's authenticator, passkeys and recovery codes, end all their sessions, log
    it, and e-mail them a new enrolment link."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        user.session_stamp = secrets.token_hex(16)
        user.save(update_fields=["session_stamp"])
        _log_two_factor_change(by=by, user=user, client_address=client_address, url_name=url_name)
        enrolment_link_send(user=user, kind="two_factor_reset")


def password_reset_link_send(*, user: User, new: bool = False) -> None:
    """E-mail the user a link to choose their own password (Django's reset token and view)."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    _mail_after_commit(user=user, kind="password_new" if new else "password_reset", path=path)


def user_welcome(*, user: User) -> None:
    """A user the administrator just made: a link to choose a password and one to enrol."""
    password_reset_link_send(user=user, new=True)
    enrolment_link_send(user=user)


# --- Four eyes on a practice's patients ---------------------------------------------------------

PRACTICE_ROLES = (User.Role.GP, User.Role.PRACTICE_MANAGER)


def practice_confirmers(*, practice_id: int):
    """The GPs who confirm a new colleague: the practice's active, confirmed GPs."""
    return User.objects.filter(
        practice_id=practice_id,
        role=User.Role.GP,
        is_active=True,
        practice_confirmed_at__isnull=False,
    )


def colleagues_awaiting(*, user: User):
    """The new GPs and managers of `user`'s practice that wait for a GP's confirmation."""
    if not user.is_gp or user.awaits_practice_confirmation:
        return User.objects.none()
    return User.objects.filter(
        practice_id=user.practice_id,
        role__in=PRACTICE_ROLES,
        is_active=True,
        practice_confirmed_at__isnull=True,
    ).order_by("date_joined")


def practice_member_added(*, user: User, by: User) -> None:
    """A GP or manager the administrator just added. Where the practice has GPs, they are asked
    to confirm the newcomer, who sees nothing of the practice until then; the first GP of a
    practice (who has nobody to confirm them) is confirmed by being added."""
    if user.role not in PRACTICE_ROLES:
        return
    confirmers = list(practice_confirmers(practice_id=user.practice_id).exclude(pk=user.pk))
    # "First" means the practice never had a confirmed GP, active or not: found by an attacker's
    # try-out, switching the practice's GPs off for a moment made the next GP "the first". A
    # practice whose GPs are all switched off waits until one is switched on again.
    ever_had_gps = (
        User.objects.filter(
            practice_id=user.practice_id,
            role=User.Role.GP,
            practice_confirmed_at__isnull=False,
        )
        .exclude(pk=user.pk)
        .exists()
    )
    if not ever_had_gps:
        User.objects.filter(pk=user.pk).update(
            practice_confirmed_at=timezone.now(), practice_confirmed_by=by
        )
        user.refresh_from_db(fields=["practice_confirmed_at", "practice_confirmed_by"])
        return
    path = reverse("accounts:colleagues")
    for colleague in confirmers:
        _mail_after_commit(user=colleague, kind="colleague_added", path=path)


def _log_decision(*, by: User, member_id: int, client_address: str | None, url_name: str) -> None:
    access_log_write(
        user=by,
        action=AccessLog.Action.CHANGE,
        part="user",
        url_name=url_name,
        client_address=client_address,
        subject_user_id=member_id,
    )


@transaction.atomic
def practice_member_confirm(
    *, member_id: int, by: User, client_address: str | None, url_name: str
) -> bool:
    """`by`, a confirmed GP of the practice, confirms a new colleague. False when someone else
    already decided (or the colleague is not one waiting in `by`'s practice)."""
    done = (
        colleagues_awaiting(user=by)
        .filter(pk=member_id)
        .update(practice_confirmed_at=timezone.now(), practice_confirmed_by=by)
    )
    if done:
        _log_decision(by=by, member_id=member_id, client_address=client_address, url_name=url_name)
    return bool(done)


@transaction.atomic
def practice_member_refuse(
    *, member_id: int, by: User, client_address: str | None, url_name: str
) -> bool:
    """`by` does not know the new colleague: the account is switched off and its sessions end;
    the administrator sees it inactive."""
    member = colleagues_awaiting(user=by).select_for_update().filter(pk=member_id).first()
    if member is None:
        return False
    member.is_active = False
    member.session_stamp = secrets.token_hex(16)
    member.save(update_fields=["is_active", "session_stamp"])
    _log_decision(by=by, member_id=member_id, client_address=client_address, url_name=url_name)
    return True


def practice_member_deactivated(*, user: User) -> None:
    """A GP or manager switched off: the practice hears of it (its address and its other active
    GPs), so that switching GPs off cannot go unnoticed."""
    if user.role not in PRACTICE_ROLES or user.practice_id is None:
        return
    path = reverse("accounts:colleagues")
    for colleague in practice_confirmers(practice_id=user.practice_id).exclude(pk=user.pk):
        _mail_after_commit(user=colleague, kind="colleague_deactivated", path=path)
    address = user.practice.email
    if address:
        transaction.on_commit(
            lambda: send_email(
                to=address,
                headline=HEADLINES["colleague_deactivated"],
                path=path,
                template="account_link",
            ),
            robust=True,
        )
