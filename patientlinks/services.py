"""Issuing, opening and checking a patient's personal link (issue 18).

The token is 256 random bits (`secrets.token_urlsafe(32)`); only its SHA-256 is stored and a
presented token is compared with `hmac.compare_digest`. A questionnaire link is valid for
LINK_VALID_DAYS, for one week's questionnaire set, and once; the running-log link for the whole
therapy, many times. Each opening asks the patient's date of birth; MAX_FAILED_ATTEMPTS wrong
ones lock the link. Every attempt is also rate-limited per link and per address (the cache).
"""

import hashlib
import hmac
import re
import secrets
from datetime import date, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccessLog, User
from referrals.models import Referral, Status

from . import signals
from .exceptions import LinkError
from .models import MAX_FAILED_ATTEMPTS, PatientLink

LINK_VALID_DAYS = 7
#: The statuses in which a link may be issued and used.
OPEN_STATUSES = (Status.INTAKE_DONE, Status.IN_THERAPY)
#: Attempts (right or wrong) per link and per client address in RATE_WINDOW_SECONDS.
RATE_PER_LINK = 10
RATE_PER_ADDRESS = 30
RATE_WINDOW_SECONDS = 15 * 60

Purpose = PatientLink.Purpose


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def consent_refusal(referral: Referral) -> str:
    """Why no link can go to this patient, or "" (shown to the therapist)."""
    if not referral.self_report_consent:
        return _(
            "The GP recorded no consent to a personal link on the referral: the patient cannot"
            " be sent one. Ask the GP to record the consent if the patient agrees."
        )
    if referral.status not in OPEN_STATUSES:
        return _("Personal links are for patients after the intake and during the therapy.")
    return ""


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def link_issue(
    *, referral: Referral, purpose: str, week: int | None = None, by: User | None
) -> tuple[PatientLink, str]:
    """A new link (and its token, which is not stored): it replaces the one in force of the
    same purpose and week. `by` None: the daily sweep. Raises LinkError without consent."""
    refusal = consent_refusal(referral)
    if refusal:
        raise LinkError(refusal)
    if purpose not in Purpose.values:
        raise LinkError(_("Choose what the link is for."))
    if purpose == Purpose.QUESTIONNAIRE and week not in (0, 5, 10):
        raise LinkError(_("Questionnaire links are for weeks 0, 5 and 10."))
    if purpose == Purpose.RUNNING_LOG:
        week = None
    now = timezone.now()
    token, hashed = _new_token()
    with transaction.atomic():
        Referral.objects.select_for_update().filter(pk=referral.pk).first()
        PatientLink.objects.filter(
            referral=referral, purpose=purpose, week=week, revoked_at=None
        ).update(revoked_at=now)
        link = PatientLink.objects.create(
            referral=referral,
            purpose=purpose,
            week=week,
            token_hash=hashed,
            created_by=by,
            expires_at=now + timedelta(days=LINK_VALID_DAYS)
            if purpose == Purpose.QUESTIONNAIRE
            else None,
        )
    return link, token


def link_token_renew(link: PatientLink) -> str:
    """A fresh token for the same link (its answers so far stay): the e-mail's. The token in an
    earlier e-mail stops working, so only the newest message opens the link."""
    token, hashed = _new_token()
    PatientLink.objects.filter(pk=link.pk).update(token_hash=hashed)
    return token


def link_mail(*, link: PatientLink, by: User | None) -> None:
    """Queue the e-mail with the link to the patient's own address (notifications writes the
    outbox row, in this transaction). Raises LinkError when there is no address."""
    if not link.referral.patient.email:
        raise LinkError(_("The patient's record has no e-mail address."))
    signals.link_mail_requested.send(sender=PatientLink, link=link, by=by)


def link_find(token: str) -> PatientLink | None:
    """The link of `token`, whatever its state, or None. The hash is compared in constant time
    (the lookup by the hash reveals nothing about the token)."""
    if not token or len(token) > 100:
        return None
    hashed = token_hash(token)
    link = (
        PatientLink.objects.select_related("referral__patient", "referral__therapist__user")
        .filter(token_hash=hashed)
        .first()
    )
    if link is None or not hmac.compare_digest(link.token_hash, hashed):
        return None
    return link


def link_state(link: PatientLink) -> str:
    """ "ok", or why it cannot be used: "used", "expired", "locked", "replaced", "closed"."""
    if link.locked_at:
        return "locked"
    if link.revoked_at:
        return "replaced"
    if link.used_at:
        return "used"
    if link.expires_at and link.expires_at <= timezone.now():
        return "expired"
    if link.referral.status not in OPEN_STATUSES:
        return "closed" if link.purpose == Purpose.RUNNING_LOG else "expired"
    return "ok"


BIRTH_DATE = re.compile(r"^\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})\s*$")


def parse_birth_date(typed: str) -> date | None:
    """dd-mm-jjjj the Dutch way; 12-3-1985 and 12/03/1985 too."""
    match = BIRTH_DATE.match(typed or "")
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def rate_limited(*, link: PatientLink | None, address: str | None) -> bool:
    """Count one attempt; True when this link or address has tried too often lately."""
    over = False
    for key, limit in (
        (f"plink:{link.pk}" if link else None, RATE_PER_LINK),
        (f"plink-addr:{address}" if address else None, RATE_PER_ADDRESS),
    ):
        if key is None:
            continue
        cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
            count = 1
        over = over or count > limit
    return over


def link_verify(*, link: PatientLink, typed: str) -> bool:
    """Is `typed` the patient's date of birth? A wrong one counts; the fifth locks the link."""
    if parse_birth_date(typed) == link.referral.patient.date_of_birth:
        return True
    PatientLink.objects.filter(pk=link.pk).update(failed_attempts=F("failed_attempts") + 1)
    PatientLink.objects.filter(
        pk=link.pk, failed_attempts__gte=MAX_FAILED_ATTEMPTS, locked_at=None
    ).update(locked_at=timezone.now())
    link.refresh_from_db(fields=["failed_attempts", "locked_at"])
    return False


def link_log(
    *, link: PatientLink | None, action: str, outcome: str, address: str | None, method: str
) -> None:
    """The access log's row for the patient's own request: the link is the actor."""
    AccessLog.objects.create(
        user=None,
        user_email=link.actor if link else "patient-link:unknown",
        practice_id=link.referral.practice_id if link else None,
        action=action,
        part="patient_link",
        outcome=outcome,
        patient_id=link.referral.patient_id if link else None,
        client_address=address,
        method=method[:10],
        url_name="patientlinks:open",
    )
