"""The therapy's parts of the referral's pages (referrals.pages)."""

from datetime import UTC

from django.db.models import F, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from outcomes.models import QuestionnaireResponse
from patients.corrections import correction_entries, corrections_of, target_q
from patients.models import Patient
from referrals import pages
from referrals.follow_up import FollowUp
from referrals.models import ReferralDocument
from referrals.selectors import part_of

from . import dose, selectors
from .corrections import session_name
from .letters import outcome_context
from .models import Intake, Screening, TherapyLetter, TherapySession

#: The written parts of a letter back, as the letter (templates/letters/therapy_letter.html)
#: prints them; the rest of the letter (intake, screening, sessions, scores) is on the page.
LETTER_TEXT_FIELDS = ("summary", "fitness_progress", "runs_independently", "advice")
LETTER_KEY = "letter_back_%s"


def corrections_part(referral, intake, screening, sessions, *, gp: bool = False) -> dict:
    """The trail of every correction on this referral's record (patients.corrections), in one
    query: the patient's details, the intake, the screening, the sessions, the questionnaires,
    and for a GP the follow-up (the GP's own consultation, not the therapist's record).
    The timeline's entries, and which rows the page marks "corrected"."""
    targets = target_q(Patient, [referral.patient_id]) | target_q(
        TherapySession, [s.pk for s in sessions]
    )
    if intake:
        targets |= target_q(Intake, [intake.pk])
    if screening:
        targets |= target_q(Screening, [screening.pk])
    answered = QuestionnaireResponse.objects.filter(referral=referral).values("pk")
    targets |= target_q(QuestionnaireResponse, answered)
    if gp:
        targets |= target_q(FollowUp, FollowUp.objects.filter(referral=referral).values("pk"))
    found = corrections_of(targets)
    names = {(TherapySession, s.pk): session_name(s) for s in sessions}
    names[(Patient, referral.patient_id)] = _("Patient details")
    corrected = {(c.content_type.model_class(), c.object_id) for c in found}
    return {
        pages.TIMELINE_PREFIX + "corrections": correction_entries(found, names),
        "corrected_sessions": {pk for model, pk in corrected if model is TherapySession},
        "corrected_responses": {pk for model, pk in corrected if model is QuestionnaireResponse},
        "intake_corrected": bool(intake) and (Intake, intake.pk) in corrected,
        "screening_corrected": bool(screening) and (Screening, screening.pk) in corrected,
        "follow_up_corrected": any(model is FollowUp for model, _pk in corrected),
    }


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
    # An addendum names the letter it supplements, found among the page's own documents.
    by_pk = {d.pk: d for d in documents}
    for document in letters_back:
        document.supplements = by_pk.get(document.addendum_to_id)
    intake = part_of(referral, "intake")
    screening = part_of(referral, "screening")
    counted = [s for s in sessions if s.withdrawn_at is None]  # withdrawn: logged by mistake
    weeks = dose.weekly_adherence(
        intake, counted, start=referral.week_zero, ended=dose.ended_on(referral)
    )
    texts = letters_back_shown(referral)
    return {
        "intake": intake,
        "screening": screening,
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
        "can_correct": request.user.role == "therapist" and referral.is_open,
        **corrections_part(referral, intake, screening, sessions, gp=request.user.role == "gp"),
    }


@pages.contribute(pages.THERAPIST_HOME)
def therapist_home(*, request, referrals) -> dict:
    selectors.caseload_tasks(referrals)  # sets `tasks` on each row
    return {}


@pages.contribute(pages.FOLLOW_UP)
def follow_up(*, request, referral) -> dict:
    """The end letter's words beside the GP's follow-up form: what the therapist advised for it
    (found by a GP's try-out: only a PDF link was there)."""
    end = (
        TherapyLetter.objects.filter(referral=referral, kind=TherapyLetter.Kind.END)
        .order_by("-pk")
        .first()
    )
    return {"end_letter": end}
