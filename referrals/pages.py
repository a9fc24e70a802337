"""The referral's pages, which the rooms above fill in (core.pages) without referrals knowing them.

A referral's page shows what every app has recorded on it (questionnaires, sessions, the
letters back, alerts); the GP's work list and the therapist's home show what waits (due items,
alerts, tasks). Each app contributes its part from its AppConfig.ready.
"""

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
