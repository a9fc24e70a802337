"""The therapy's parts of the referral's pages (referrals.pages)."""

from referrals import pages
from referrals.models import ReferralDocument
from referrals.selectors import part_of

from . import dose, selectors


@pages.contribute(pages.REFERRAL_DETAIL, select_related=("intake", "screening"))
def referral_detail(*, request, referral, documents) -> dict:
    sessions = list(referral.sessions.all())
    letters_back = [d for d in documents if d.kind != ReferralDocument.Kind.LETTER]
    intake = part_of(referral, "intake")
    weeks = dose.weekly_adherence(intake, sessions, start=referral.week_zero)
    return {
        "intake": intake,
        "screening": part_of(referral, "screening"),
        "adherence": weeks,
        "adherence_totals": dose.adherence_totals(weeks),
        "sessions": sessions,
        "session_summary": selectors.session_summary(referral, sessions),
        "letters_back": letters_back,
        "letters_sent": {d.kind for d in letters_back},
        "progress_allowed": selectors.progress_letter_allowed(referral),
    }


@pages.contribute(pages.THERAPIST_HOME)
def therapist_home(*, request, referrals) -> dict:
    selectors.caseload_tasks(referrals)  # sets `tasks` on each row
    return {}
