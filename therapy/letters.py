"""The therapist's letters back to the GP as PDF: after intake, after week 5 and at the end.

Built like the referral letter (referrals.letters): a Django template, autoescaped, rendered by
core.pdf through the static-only fetcher, always in Dutch. The context is made of small
functions, one per block of the letter; each copes with what may still be missing (no intake,
no screening, no questionnaires) by leaving the value out, so the template prints "—".
The only markup that is not escaped by the template is the score chart, which escapes its own
text (outcomes.charts).
"""

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation

from core.pdf import (
    EMPTY,
    LETTER_LANGUAGE,
    LETTER_STYLESHEET,
    LETTER_TIME_ZONE,
    dutch_date,
    render_pdf,
)
from outcomes.scores import safety_alerts_context, score_chart, scores_context
from referrals.letters import gp_context, patient_context, practice_context, therapist_context
from referrals.models import Referral, Status
from therapists.models import Therapist

from . import dose
from .models import Intake, Screening, TherapyLetter, TherapySession

LETTER_TEMPLATE = "letters/therapy_letter.html"
WEEKS = {
    TherapyLetter.Kind.INTAKE: (0,),
    TherapyLetter.Kind.PROGRESS: (0, 5),
    TherapyLetter.Kind.END: (0, 5, 10),
}


def dutch_decimal(value: float | Decimal | None, places: int = 1) -> str:
    """72,5: a decimal comma, whatever the active locale's number format."""
    if value is None:
        return EMPTY
    return f"{value:.{places}f}".replace(".", ",")


def letter_date(letter: TherapyLetter) -> str:
    """The date the letter was sent (today for one not yet saved), in Amsterdam."""
    moment = letter.sent_at or timezone.now()
    return dutch_date(timezone.localtime(moment, LETTER_TIME_ZONE).date())


def letterhead_context(therapist: Therapist | None) -> dict | None:
    """The therapist's letterhead and signature: the letter context plus the certificate."""
    context = therapist_context(therapist)
    if context is not None:
        context["certificate_number"] = therapist.certificate_number
    return context


def intake_context(referral: Referral) -> dict | None:
    try:
        intake: Intake = referral.intake
    except ObjectDoesNotExist:
        return None
    return {
        "goals": intake.goals,
        "dose": {
            "weeks": intake.plan_weeks,
            "supervised": intake.plan_supervised_per_week,
            "own": intake.plan_own_runs_per_week,
            "minutes": intake.plan_minutes,
            "borg": intake.plan_borg_rpe,
        }
        if dose.has_plan(intake)
        else None,
        "plan": intake.plan,
        "running_experience": intake.running_experience,
        "motivation": intake.motivation,
        "current_activity": intake.current_activity,
    }


def intake_date(referral: Referral) -> str:
    """The intake's own date, else the date stored on the referral."""
    try:
        return dutch_date(referral.intake.date)
    except ObjectDoesNotExist:
        return dutch_date(referral.intake_date)


def screening_context(referral: Referral) -> dict | None:
    try:
        screening: Screening = referral.screening
    except ObjectDoesNotExist:
        return None
    return {
        "date": dutch_date(screening.date),
        "late_reason": screening.late_reason,
        "resting_heart_rate": screening.resting_heart_rate,
        "blood_pressure": f"{screening.systolic}/{screening.diastolic}",
        "height_cm": screening.height_cm,
        "weight_kg": dutch_decimal(screening.weight_kg),
        "bmi": dutch_decimal(screening.bmi) if screening.height_cm else EMPTY,
        "outcome": screening.get_outcome_display(),
        "restrictions": screening.restrictions,
        "injuries": screening.injuries,
        "flags": screening.flags,
        "confirmed": screening.values_confirmed,
    }


def attendance_context(referral: Referral) -> dict:
    """Sessions so far, in one query: attended, no-show, cancelled, minutes and distance."""
    attendance = TherapySession.Attendance
    # A session withdrawn as logged by mistake no longer counts (therapy.corrections).
    totals = TherapySession.objects.filter(referral=referral, withdrawn_at=None).aggregate(
        attended=Count("pk", filter=Q(attendance=attendance.ATTENDED)),
        no_show=Count("pk", filter=Q(attendance=attendance.NO_SHOW)),
        cancelled=Count("pk", filter=Q(attendance=attendance.CANCELLED)),
        on_own=Count("pk", filter=Q(attendance=attendance.ATTENDED, mode=TherapySession.Mode.OWN)),
        minutes_running=Sum("minutes_running", filter=Q(attendance=attendance.ATTENDED)),
        minutes_walking=Sum("minutes_walking", filter=Q(attendance=attendance.ATTENDED)),
        distance_km=Sum("distance_km", filter=Q(attendance=attendance.ATTENDED)),
    )
    return {
        "attended": totals["attended"],
        "no_show": totals["no_show"],
        "cancelled": totals["cancelled"],
        "on_own": totals["on_own"],
        "minutes_running": totals["minutes_running"] or 0,
        "minutes_walking": totals["minutes_walking"] or 0,
        "minutes_moving": (totals["minutes_running"] or 0) + (totals["minutes_walking"] or 0),
        "distance_km": dutch_decimal(totals["distance_km"] or 0),
    }


def adherence_context(referral: Referral) -> dict | None:
    """Planned against attended per week of the intake's plan (therapy.dose), or None."""
    try:
        intake: Intake = referral.intake
    except ObjectDoesNotExist:
        return None
    if not dose.has_plan(intake):
        return None
    sessions = list(referral.sessions.filter(withdrawn_at=None))
    weeks = dose.weekly_adherence(
        intake, sessions, start=referral.week_zero, ended=dose.ended_on(referral)
    )
    return {"weeks": weeks, "totals": dose.adherence_totals(weeks)}


def outcome_context(referral: Referral) -> dict:
    """Completed or stopped (with the reason); other statuses by their label."""
    if referral.status == Status.STOPPED or (referral.stopped_at and not referral.completed_at):
        return {"label": Status.STOPPED.label, "stopped": True, "reason": referral.stop_reason}
    if referral.status == Status.COMPLETED or referral.completed_at:
        return {"label": Status.COMPLETED.label, "stopped": False, "reason": ""}
    return {"label": referral.get_status_display(), "stopped": False, "reason": ""}


def kind_context(letter: TherapyLetter) -> dict:
    """What only this kind of letter shows."""
    referral = letter.referral
    weeks = WEEKS.get(letter.kind, (0,))
    scores = scores_context(referral, weeks)
    context: dict = {"scores": scores, "alerts": safety_alerts_context(referral, weeks)}
    if letter.kind == TherapyLetter.Kind.INTAKE:
        context["intake"] = intake_context(referral)
        context["screening"] = screening_context(referral)
    else:
        context["attendance"] = attendance_context(referral)
        context["adherence"] = adherence_context(referral)
    if letter.kind == TherapyLetter.Kind.END:
        context.update(
            chart=score_chart(scores),
            fitness_progress=letter.fitness_progress,
            runs_independently=letter.get_runs_independently_display(),
            outcome=outcome_context(referral),
            advice=letter.advice,
            follow_up_due=dutch_date(referral.follow_up_due),
        )
    return context


def therapy_letter_context(letter: TherapyLetter) -> dict:
    referral = letter.referral
    return {
        "kind": letter.kind,
        "headline": letter.get_kind_display(),
        "therapist": letterhead_context(referral.therapist),
        "gp": gp_context(referral.gp),
        "gp_practice": practice_context(referral.practice),
        "patient": patient_context(referral.patient),
        "letter_date": letter_date(letter),
        "intake_date": intake_date(referral),
        "therapy_start": dutch_date(referral.week_zero),
        "summary": letter.summary,
        **kind_context(letter),
    }


def render_therapy_letter(letter: TherapyLetter) -> bytes:
    """The letter as PDF, in Dutch whatever language the request runs in."""
    with translation.override(LETTER_LANGUAGE):
        return render_pdf(
            LETTER_TEMPLATE, therapy_letter_context(letter), stylesheet=LETTER_STYLESHEET
        )
