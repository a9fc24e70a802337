"""The referral letter and the patient's information sheet, and the letter blocks that the
therapist's letters back (therapy.letters) share: practice, GP, patient, therapist.

Rendered by core.pdf (WeasyPrint with a static-only fetcher), always in Dutch.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone, translation

from accounts.models import Practice, User
from core.pdf import (
    EMPTY,
    LETTER_LANGUAGE,
    LETTER_STYLESHEET,
    LETTER_TIME_ZONE,
    dutch_date,
    render_pdf,
)
from patients.models import Patient
from therapists.models import Therapist

from .models import FitnessCheck, Referral


def letter_date(referral: Referral) -> str:
    """The date the letter was sent, or today's date for a draft, in Amsterdam."""
    moment = referral.sent_at or timezone.now()
    return dutch_date(timezone.localtime(moment, LETTER_TIME_ZONE).date())


def practice_context(practice: Practice) -> dict:
    return {
        "name": practice.name,
        "address": practice.address,
        "postcode": practice.postcode,
        "city": practice.city,
        "phone": practice.phone,
        "agb_code": practice.agb_code,
    }


def therapist_context(therapist: Therapist | None) -> dict | None:
    if therapist is None:
        return None
    return {
        "name": therapist.user.get_full_name() or therapist.user.email,
        "profession": therapist.get_profession_display(),
        "organisation": therapist.organisation,
        "address": therapist.address,
        "postcode": therapist.postcode,
        "city": therapist.city,
        "phone": therapist.phone,
        "email": therapist.user.email,
    }


def patient_context(patient: Patient) -> dict:
    return {
        "full_name": patient.full_name,
        "initials": patient.initials,
        "bsn": patient.bsn,
        "date_of_birth": dutch_date(patient.date_of_birth),
        "sex": patient.get_sex_display(),
        "address": patient.address,
        "postcode": patient.postcode,
        "city": patient.city,
    }


def gp_context(gp: User) -> dict:
    try:
        profile = gp.gp_profile
    except ObjectDoesNotExist:
        profile = None
    return {
        "name": gp.get_full_name() or gp.email,
        "agb_code": profile.agb_code if profile else EMPTY,
        "big_number": profile.big_number if profile else EMPTY,
    }


def complaints_context(referral: Referral) -> dict:
    """The ICPC codes as the GP chose them, each with its label (referrals.icpc)."""
    return {
        "main": referral.main_icpc,
        "notes": referral.complaint_notes,
        "others": referral.secondary_icpc,
    }


def fitness_context(referral: Referral) -> dict | None:
    """The beweegcheck (referrals.readiness) question by question, its outcome, the medical
    evaluation, the notes."""
    try:
        check: FitnessCheck = referral.fitness_check
    except ObjectDoesNotExist:
        return None
    evaluated_on = dutch_date(check.evaluated_on) if check.evaluated_on else EMPTY
    return {
        "outcome": check.outcome_label,
        "old_version": check.is_old_version,
        "rows": check.rows(),
        "evaluation": check.get_evaluation_display() if check.evaluation else "",
        "evaluated_by": check.evaluated_by,
        "evaluated_on": evaluated_on,
        "evaluation_limits": check.evaluation_limits,
        "clearance_note": check.clearance_note,
        "notes": check.notes,
        "checked_on": dutch_date(timezone.localtime(check.checked_at, LETTER_TIME_ZONE).date())
        if check.checked_at
        else EMPTY,
    }


def antidepressant_answer(referral: Referral) -> str:
    """'yes', 'no' or 'unknown': the template translates the word."""
    return {True: "yes", False: "no"}.get(referral.uses_antidepressant, "unknown")


def sender_name(referral: Referral, by: User | None) -> str:
    """Who sent the letter, when that is not the GP who signs it (a colleague, an assistant)."""
    if by is None or by == referral.gp:
        return ""
    return by.get_full_name() or by.email


def referral_letter_context(referral: Referral, *, by: User | None = None) -> dict:
    return {
        "practice": practice_context(referral.practice),
        "addressee": therapist_context(referral.therapist),
        "letter_date": letter_date(referral),
        "patient": patient_context(referral.patient),
        "gp": gp_context(referral.gp),
        "sent_by": sender_name(referral, by),
        "complaints": complaints_context(referral),
        "question": referral.question,
        "severity": referral.get_severity_display(),
        "purpose": referral.get_purpose_display(),
        "funding": referral.get_funding_display(),
        "urgency": referral.get_urgency_display(),
        "fitness": fitness_context(referral),
        "history": referral.history,
        "medication": referral.medication,
        "antidepressant": antidepressant_answer(referral),
        "consent_given": referral.consent_given,
    }


def information_sheet_context(referral: Referral) -> dict:
    """Only what the patient needs: their name, the therapist and the practice. No BSN."""
    return {
        "practice": practice_context(referral.practice),
        "patient_name": referral.patient.full_name,
        "therapist": therapist_context(referral.therapist),
    }


def render_referral_letter(referral: Referral, *, by: User | None = None) -> bytes:
    """The verwijsbrief, in Dutch whatever language the request runs in."""
    with translation.override(LETTER_LANGUAGE):
        return render_pdf(
            "letters/referral_letter.html",
            referral_letter_context(referral, by=by),
            stylesheet=LETTER_STYLESHEET,
        )


def render_information_sheet(referral: Referral) -> bytes:
    """One page for the patient, in plain Dutch, about running therapy and their therapist."""
    with translation.override(LETTER_LANGUAGE):
        return render_pdf(
            "letters/information_sheet.html",
            information_sheet_context(referral),
            stylesheet=LETTER_STYLESHEET,
        )
