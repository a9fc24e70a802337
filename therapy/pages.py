"""The therapy's parts of the referral's pages (referrals.pages)."""

from django.utils.translation import gettext as _

from outcomes.models import QuestionnaireResponse
from patients.corrections import correction_entries, corrections_of, target_q
from patients.models import Patient
from referrals import pages
from referrals.models import ReferralDocument
from referrals.selectors import part_of

from . import dose, selectors
from .corrections import session_name
from .models import Intake, Screening, TherapySession


def corrections_part(referral, intake, screening, sessions) -> dict:
    """The trail of every correction on this referral's record (patients.corrections), in one
    query: the patient's details, the intake, the screening, the sessions, the questionnaires.
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
    }


@pages.contribute(pages.REFERRAL_DETAIL, select_related=("intake", "screening"))
def referral_detail(*, request, referral, documents) -> dict:
    sessions = list(referral.sessions.all())
    letters_back = [d for d in documents if d.kind != ReferralDocument.Kind.LETTER]
    intake = part_of(referral, "intake")
    screening = part_of(referral, "screening")
    counted = [s for s in sessions if s.withdrawn_at is None]  # withdrawn: logged by mistake
    weeks = dose.weekly_adherence(intake, counted, start=referral.week_zero)
    return {
        "intake": intake,
        "screening": screening,
        "adherence": weeks,
        "adherence_totals": dose.adherence_totals(weeks),
        "sessions": sessions,
        "session_summary": selectors.session_summary(referral, sessions),
        "letters_back": letters_back,
        "letters_sent": {d.kind for d in letters_back},
        "progress_allowed": selectors.progress_letter_allowed(referral),
        "can_correct": request.user.role == "therapist" and referral.is_open,
        **corrections_part(referral, intake, screening, sessions),
    }


@pages.contribute(pages.THERAPIST_HOME)
def therapist_home(*, request, referrals) -> dict:
    selectors.caseload_tasks(referrals)  # sets `tasks` on each row
    return {}
