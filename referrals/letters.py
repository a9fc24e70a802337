"""The referral letter and the patient's information sheet, and the letter blocks that the
therapist's letters back (therapy.letters) share: practice, GP, patient, therapist.

The referral letter follows the NHG's Richtlijn Informatie-uitwisseling tussen Huisarts en
Specialist (HASP; NHG with the Federatie Medisch Specialisten, version 1 December 2017,
chapter 3 "Vaste indeling Envelop-Kern-Dossiersamenvatting" and chapter 4 "Rubrieken in het
verwijsbericht"; https://www.nhg.org/themas/artikelen/richtlijn-informatie-uitwisseling-tussen-
huisarts-en-specialist-bij-verwijzingen), in its three parts:
- envelop: patient (name, date of birth, sex, BSN, address, phone, e-mail), insurer (UZOVI code
  and name, policy number), referrer (name, AGB, BIG, practice, the practice's AGB, direct
  phone), addressee, date, urgency;
- kern: vraagstelling; probleemstelling (the ICPC codes as the GP chose them, the course, the
  patient's own request and expectation); beleid tot nu toe (POH-GGZ, psychological
  treatment, medication tried); the risk rubric (referrals.risk);
- dossiersamenvatting: episode list (ICPC), medication as rows, allergies / intolerances /
  contra-indications, measurements (blood pressure, height, weight, a PHQ-9 at referral).
The beweegcheck (referrals.readiness) follows the kern: it is this referral's own subject.

Signature: a generated PDF has no hand to sign it. The letter prints "Elektronisch verzonden
door <sender> op <date time>" and the number of the stored document (ReferralDocument's id).
A PDF cannot contain its own SHA-256 (the hash changes with what it is printed in), so the hash
is computed over the exact bytes sent, stored beside them, and shown with the document on the
referral page: whoever holds the PDF can check it against that.

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

from .models import FitnessCheck, Referral, ReferralDocument


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
        "phone": patient.phone,
        "email": patient.email,
        "insurer_name": patient.insurer_name,
        "insurer_uzovi": patient.insurer_uzovi,
        "policy_number": patient.policy_number,
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
        "direct_phone": (profile.direct_phone if profile else "") or EMPTY,
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


def risk_context(referral: Referral) -> dict:
    """The risk rubric's answers as words the template translates: 'yes', 'no', 'unknown'."""

    def word(value: bool | None) -> str:
        return {True: "yes", False: "no"}.get(value, "unknown")

    return {
        "suicidality": word(referral.risk_suicidality),
        "psychosis": word(referral.risk_psychosis),
        "bipolar": word(referral.risk_bipolar),
        "notes": referral.risk_notes,
        "needs_confirmation": referral.risk_needs_confirmation,
        "confirmed": referral.risk_confirmed,
    }


def measurements_context(referral: Referral) -> dict:
    weight = referral.weight_kg
    return {
        "measured_on": dutch_date(referral.measured_on) if referral.measured_on else "",
        "blood_pressure": f"{referral.systolic}/{referral.diastolic} mmHg"
        if referral.systolic is not None and referral.diastolic is not None
        else "",
        "height": f"{referral.height_cm} cm" if referral.height_cm is not None else "",
        # The Dutch way: a decimal comma.
        "weight": f"{weight:.1f}".replace(".", ",") + " kg" if weight is not None else "",
        "phq9_total": referral.phq9_total,
    }


def signature_context(
    referral: Referral, *, by: User | None, sent_at, document: ReferralDocument | None
) -> dict:
    """The send line that stands in for a signature; empty `sent`: a draft's preview."""
    moment = sent_at or referral.sent_at
    if moment is None:
        return {"sent": False}
    sender = by or referral.gp
    local = timezone.localtime(moment, LETTER_TIME_ZONE)
    return {
        "sent": True,
        "sender": sender.get_full_name() or sender.email,
        "on": f"{dutch_date(local.date())} {local:%H:%M}",
        "document_number": f"VB-{document.pk}" if document else "",
    }


def referral_letter_context(
    referral: Referral,
    *,
    by: User | None = None,
    sent_at=None,
    document: ReferralDocument | None = None,
) -> dict:
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
        "medication_rows": [
            {"name": m.name, "dose": m.dose, "since": m.since} for m in referral.medications.all()
        ],
        "antidepressant": antidepressant_answer(referral),
        "consent_given": referral.consent_given,
        "course": referral.course,
        "patient_request": referral.patient_request,
        "poh_ggz": referral.poh_ggz,
        "psychological_treatment": referral.psychological_treatment,
        "medication_tried": referral.medication_tried,
        "risk": risk_context(referral),
        "other_episodes": referral.other_episodes,
        "allergies": referral.allergies,
        "measurements": measurements_context(referral),
        "signature": signature_context(referral, by=by, sent_at=sent_at, document=document),
    }


def information_sheet_context(referral: Referral) -> dict:
    """Only what the patient needs: their name, the therapist and the practice. No BSN."""
    return {
        "practice": practice_context(referral.practice),
        "patient_name": referral.patient.full_name,
        "therapist": therapist_context(referral.therapist),
    }


def render_referral_letter(
    referral: Referral,
    *,
    by: User | None = None,
    sent_at=None,
    document: ReferralDocument | None = None,
) -> bytes:
    """The verwijsbrief, in Dutch whatever language the request runs in. `sent_at` and
    `document`: the moment of sending and the stored row whose number the letter prints."""
    with translation.override(LETTER_LANGUAGE):
        return render_pdf(
            "letters/referral_letter.html",
            referral_letter_context(referral, by=by, sent_at=sent_at, document=document),
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
