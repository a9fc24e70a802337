"""Correcting the GP's follow-up: its author, for 30 days after it was recorded, with a reason.

The follow-up's own values and its PHQ-9 and GAD-7 (the rooms above, through
referrals.pages.follow_up_part's `correct`) are corrected in one transaction; each corrected row
keeps its trail in patients.Correction (old and new values, by, at, why), which the referral's
timeline shows as "gecorrigeerd". The dashboard's counts follow the saved rows (its post_save).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from patients.corrections import (
    CorrectionError,
    row_correct,
)
from patients.models import Correction

from . import pages
from .follow_up import FOLLOW_UP_FIELDS, FollowUp
from .models import Referral

#: How long the GP who recorded the follow-up may correct it.
CORRECTION_DAYS = 30


def correctable_until(follow_up: FollowUp) -> datetime.date:
    """The last day the follow-up can be corrected."""
    return timezone.localdate(follow_up.recorded_at) + datetime.timedelta(days=CORRECTION_DAYS)


def follow_up_correction_refusal(*, follow_up: FollowUp, by: User) -> str:
    """Why `by` may not correct this follow-up now, or "": its author, for 30 days."""
    if follow_up.recorded_by_id != by.pk:
        return _("Only the GP who recorded the follow-up can correct it.")
    if timezone.localdate() > correctable_until(follow_up):
        return _(
            "The follow-up was recorded more than %(days)d days ago (until %(until)s): it can "
            "no longer be corrected."
        ) % {
            "days": CORRECTION_DAYS,
            "until": date_format(correctable_until(follow_up), "SHORT_DATE_FORMAT"),
        }
    return ""


def follow_up_correct(
    *, referral: Referral, corrected: FollowUp, reason: str, by: User, forms: dict | None = None
) -> list[Correction]:
    """Save the corrected follow-up (`corrected`: the follow-up with the form's values, unsaved)
    and the parts' corrected forms (the PHQ-9 and GAD-7), each with its trail; all or nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionError(_("Give the reason for the correction."))
    with transaction.atomic():
        Referral.objects.select_for_update().filter(pk=referral.pk).first()
        current = (
            FollowUp.objects.select_for_update()
            .select_related("referral__patient")
            .get(referral=referral)
        )
        refusal = follow_up_correction_refusal(follow_up=current, by=by)
        if refusal:
            raise CorrectionError(refusal)
        correction = row_correct(
            patient=current.referral.patient,
            row=current,
            values={name: getattr(corrected, name) for name in FOLLOW_UP_FIELDS},
            reason=reason,
            by=by,
            skip_unchanged=True,
        )
        written = [correction] if correction else []
        written += pages.follow_up_correct(
            follow_up=current, forms=forms or {}, reason=reason, by=by
        )
        if not written:
            raise CorrectionError(_("Nothing was changed: correct a value, or cancel."))
    return written
