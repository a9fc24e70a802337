"""An addendum to a letter back: a correction to something the GP was already told.

The letter as sent stays as it was (its stored PDF and its SHA-256 untouched); the addendum is a
new referrals.ReferralDocument of its own (kind addendum, `addendum_to` the letter's document)
saying what changed, from what to what, by whom and why, and for a session the totals as they
are now. The GP hears that it waits by e-mail (therapy.signals.addendum_sent; no medical detail).
"""

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone, translation

from accounts.models import User
from core.pdf import (
    LETTER_LANGUAGE,
    LETTER_STYLESHEET,
    LETTER_TIME_ZONE,
    dutch_date,
    pdf_sha256,
    render_pdf,
)
from patients.corrections import changes_shown
from patients.models import Correction
from referrals.letters import gp_context, patient_context, practice_context
from referrals.models import Referral, ReferralDocument

from . import signals
from .letters import attendance_context, letterhead_context
from .models import TherapyLetter

ADDENDUM_TEMPLATE = "letters/addendum.html"


def letter_told(referral: Referral, recorded_at: datetime) -> TherapyLetter | None:
    """The latest letter back sent after the row was recorded: the one that told the GP about it
    (None when no letter has gone since)."""
    return (
        TherapyLetter.objects.filter(referral=referral, sent_at__gte=recorded_at)
        .order_by("-sent_at", "-pk")
        .first()
    )


def addendum_context(
    *, referral: Referral, letter: TherapyLetter, correction: Correction, what: str, sessions: bool
) -> dict:
    amsterdam = timezone.localtime(correction.at, LETTER_TIME_ZONE)
    return {
        "headline": translation.gettext("Addendum to the %(letter)s")
        % {"letter": letter.get_kind_display().lower()},
        "letter_label": letter.get_kind_display().lower(),
        "letter_sent": dutch_date(timezone.localtime(letter.sent_at, LETTER_TIME_ZONE).date()),
        "letter_date": dutch_date(amsterdam.date()),
        "therapist": letterhead_context(referral.therapist),
        "gp": gp_context(referral.gp),
        "gp_practice": practice_context(referral.practice),
        "patient": patient_context(referral.patient),
        "what": what,
        "changes": changes_shown(correction),
        "reason": correction.reason,
        "by": correction.by.get_full_name(),
        "corrected_at": f"{dutch_date(amsterdam.date())} {amsterdam:%H:%M}",
        # The letters after intake tell no totals; the others do, and they have changed.
        "attendance": attendance_context(referral)
        if sessions and letter.kind != TherapyLetter.Kind.INTAKE
        else None,
    }


def addendum_send(
    *,
    referral: Referral,
    correction: Correction,
    recorded_at: datetime,
    what: Callable[[], str],
    by: User,
    sessions: bool = False,
) -> ReferralDocument | None:
    """Store the addendum and tell the GP, when a sent letter told them what was corrected; call
    inside the correction's transaction. `what` names the corrected row (called in the letter's
    language). None when no letter has told them yet."""
    letter = letter_told(referral, recorded_at)
    if letter is None:
        return None
    original = (
        ReferralDocument.objects.filter(referral=referral, kind=letter.kind)
        .order_by("created_at", "pk")
        .first()
    )
    with translation.override(LETTER_LANGUAGE):  # in Dutch, as the letters are
        context = addendum_context(
            referral=referral, letter=letter, correction=correction, what=what(), sessions=sessions
        )
        pdf = render_pdf(ADDENDUM_TEMPLATE, context, stylesheet=LETTER_STYLESHEET)
    document = ReferralDocument.objects.create(
        referral=referral,
        kind=ReferralDocument.Kind.ADDENDUM,
        addendum_to=original,
        content=pdf,
        sha256=pdf_sha256(pdf),
        created_by=by,
    )
    signals.addendum_sent.send(sender=ReferralDocument, document=document, referral=referral, by=by)
    return document
