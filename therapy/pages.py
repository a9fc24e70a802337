"""The therapy's parts of the referral's pages (referrals.pages)."""

from datetime import UTC

from django.db.models import F, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from referrals import pages
from referrals.models import ReferralDocument
from referrals.selectors import part_of

from . import dose, selectors
from .letters import outcome_context
from .models import TherapyLetter

#: The written parts of a letter back, as the letter (templates/letters/therapy_letter.html)
#: prints them; the rest of the letter (intake, screening, sessions, scores) is on the page.
LETTER_TEXT_FIELDS = ("summary", "fitness_progress", "runs_independently", "advice")
LETTER_KEY = "letter_back_%s"


def letter_texts() -> dict:
    """Each kind of letter back as one JSON value on the referral's own query: three
    subqueries in the page's one query, not a query of their own."""
    return {
        LETTER_KEY % kind: Subquery(
            TherapyLetter.objects.filter(referral=OuterRef("pk"), kind=kind).values(
                text=JSONObject(
                    **{name: F(name) for name in LETTER_TEXT_FIELDS},
                    sent_at=F("sent_at"),
                    first_name=F("written_by__first_name"),
                    last_name=F("written_by__last_name"),
                )
            )[:1],
            output_field=JSONField(),
        )
        for kind in TherapyLetter.Kind.values
    }


def _moment(raw: str | None):
    moment = parse_datetime(raw) if raw else None
    if moment is not None and timezone.is_naive(moment):  # SQLite keeps UTC without a zone
        moment = moment.replace(tzinfo=UTC)
    return moment


def letters_back_shown(referral) -> list[dict]:
    """The letters back to the GP as readable text, in the order they are written: each the
    letter (an unsaved TherapyLetter with the stored texts), when it was sent and by whom. The
    PDFs stay the documents of record."""
    shown = []
    for kind in TherapyLetter.Kind.values:
        text = getattr(referral, LETTER_KEY % kind, None)
        if not text:
            continue
        letter = TherapyLetter(kind=kind, **{name: text[name] or "" for name in LETTER_TEXT_FIELDS})
        by = " ".join(part for part in (text["first_name"], text["last_name"]) if part)
        shown.append({"letter": letter, "sent_at": _moment(text["sent_at"]), "by": by})
    return shown


@pages.contribute(
    pages.REFERRAL_DETAIL, select_related=("intake", "screening"), annotate=letter_texts
)
def referral_detail(*, request, referral, documents) -> dict:
    sessions = list(referral.sessions.all())
    letters_back = [d for d in documents if d.kind != ReferralDocument.Kind.LETTER]
    intake = part_of(referral, "intake")
    weeks = dose.weekly_adherence(intake, sessions, start=referral.week_zero)
    texts = letters_back_shown(referral)
    return {
        "intake": intake,
        "screening": part_of(referral, "screening"),
        "adherence": weeks,
        "adherence_totals": dose.adherence_totals(weeks),
        "sessions": sessions,
        "session_summary": selectors.session_summary(referral, sessions),
        "letters_back": letters_back,
        # A letter is sent when it was written (its text) or stored (its PDF).
        "letters_sent": {d.kind for d in letters_back} | {t["letter"].kind for t in texts},
        "progress_allowed": selectors.progress_letter_allowed(referral),
        "letter_texts": texts,
        "therapy_outcome": outcome_context(referral),
    }


@pages.contribute(pages.THERAPIST_HOME)
def therapist_home(*, request, referrals) -> dict:
    selectors.caseload_tasks(referrals)  # sets `tasks` on each row
    return {}
