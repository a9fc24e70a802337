"""The referral's pages, which the rooms above fill in (core.pages) without referrals knowing them.

A referral's page shows what every app has recorded on it (questionnaires, sessions, the
letters back, alerts); the GP's work list and the therapist's home show what waits (due items,
alerts, tasks). Each app contributes its part from its AppConfig.ready.
"""

from collections.abc import Callable
from dataclasses import dataclass

from core.pages import Pages

#: The referral's page: keyword arguments request, referral, documents (its stored PDFs).
#: A part may add entries to the page's timeline under a key that starts with TIMELINE_PREFIX
#: ("timeline_alerts"): a list of dicts with label, when, by and note, as selectors.timeline's.
REFERRAL_DETAIL = "referral_detail"
TIMELINE_PREFIX = "timeline_"
#: The GP's follow-up form: request, referral.
FOLLOW_UP = "follow_up"
#: The GP's work list: request, referrals (the page's rows).
GP_WORKLIST = "gp_worklist"
#: The therapist's home (the caseload): request, referrals (the page's rows).
THERAPIST_HOME = "therapist_home"

_pages = Pages(REFERRAL_DETAIL, FOLLOW_UP, GP_WORKLIST, THERAPIST_HOME)
contribute = _pages.contribute
related = _pages.related
annotations = _pages.annotations
context = _pages.context


@dataclass(frozen=True)
class FollowUpPart:
    """A room's forms on the GP's follow-up page, saved with the follow-up in one transaction.

    `forms(*, data, referral)` returns the part's bound (or, without data, unbound) forms by
    name: the page shows them, and saves only when every form of every part is valid.
    `save(*, follow_up, forms, by)` runs inside referrals.services.follow_up_record's
    transaction, after the follow-up is saved; a DomainError it raises undoes the whole
    follow-up.
    """

    forms: Callable[..., dict]
    save: Callable[..., None]
    #: `risks(*, forms)`: what in the valid forms forbids closing the episode (e.g. a safety
    #: answer), as sentences; none by default.
    risks: Callable[..., list[str]] | None = None
    #: Correcting a recorded follow-up (referrals.follow_up_corrections):
    #: `correction_forms(*, data, follow_up)` the part's forms pre-filled with what was
    #: recorded, `correct(*, follow_up, forms, reason, by)` saves what changed with its trail
    #: and returns the patients.Correction rows it wrote (inside the correction's transaction).
    correction_forms: Callable[..., dict] | None = None
    correct: Callable[..., list] | None = None


_follow_up_parts: dict[str, FollowUpPart] = {}


def follow_up_part(
    *,
    forms: Callable[..., dict],
    save: Callable[..., None],
    risks: Callable[..., list[str]] | None = None,
    correction_forms: Callable[..., dict] | None = None,
    correct: Callable[..., list] | None = None,
) -> None:
    """Register a room's forms on the follow-up page (once per `forms` function)."""
    key = f"{forms.__module__}.{forms.__qualname__}"
    _follow_up_parts[key] = FollowUpPart(forms, save, risks, correction_forms, correct)


def follow_up_risks(*, forms: dict) -> list[str]:
    """What the parts' valid forms show that forbids closing the episode."""
    return [
        risk for part in _follow_up_parts.values() if part.risks for risk in part.risks(forms=forms)
    ]


def follow_up_forms(*, data, referral) -> dict:
    """Every part's forms, by name, in the order the parts were registered."""
    merged: dict = {}
    for part in _follow_up_parts.values():
        merged.update(part.forms(data=data, referral=referral))
    return merged


def follow_up_save(*, follow_up, forms: dict, by) -> None:
    """Every part saves what its forms hold (inside the follow-up's transaction)."""
    for part in _follow_up_parts.values():
        part.save(follow_up=follow_up, forms=forms, by=by)


def follow_up_correction_forms(*, data, follow_up) -> dict:
    """Every part's forms as the follow-up recorded them (for its correction)."""
    merged: dict = {}
    for part in _follow_up_parts.values():
        if part.correction_forms:
            merged.update(part.correction_forms(data=data, follow_up=follow_up))
    return merged


def follow_up_correct(*, follow_up, forms: dict, reason: str, by) -> list:
    """Every part corrects what its forms changed; the corrections they wrote."""
    written: list = []
    for part in _follow_up_parts.values():
        if part.correct:
            written += part.correct(follow_up=follow_up, forms=forms, reason=reason, by=by)
    return written
