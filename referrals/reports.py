"""The therapist's reports to the GP as PDF: after intake, after week 5 and at the end.

Built like the referral letter (referrals.pdf): a Django template, autoescaped, rendered by
WeasyPrint through the static-only fetcher, always in Dutch. The context is made of small
functions, one per block of the report; each copes with what may still be missing (no intake,
no screening, no questionnaires) by leaving the value out, so the template prints "—".
The only markup that is not escaped by the template is the score chart, which escapes its own
text (outcomes.charts).
"""

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from outcomes.charts import score_chart_svg
from outcomes.instruments import ALERT_LABELS, CHANGE_LABELS, INSTRUMENTS, reliable_change
from outcomes.models import QuestionnaireResponse
from therapists.models import Intake, Screening, Therapist, TherapySession

from .models import Referral, Status, TherapyReport
from .pdf import (
    EMPTY,
    LETTER_LANGUAGE,
    LETTER_STYLESHEET,
    LETTER_TIME_ZONE,
    dutch_date,
    gp_context,
    patient_context,
    practice_context,
    render_pdf,
    therapist_context,
)

REPORT_TEMPLATE = "letters/therapy_report.html"
WEEKS = {
    TherapyReport.Kind.INTAKE: (0,),
    TherapyReport.Kind.PROGRESS: (0, 5),
    TherapyReport.Kind.END: (0, 5, 10),
}


def dutch_decimal(value: float | Decimal | None, places: int = 1) -> str:
    """72,5: a decimal comma, whatever the active locale's number format."""
    if value is None:
        return EMPTY
    return f"{value:.{places}f}".replace(".", ",")


def report_date(report: TherapyReport) -> str:
    """The date the report was sent (today for one not yet saved), in Amsterdam."""
    moment = report.sent_at or timezone.now()
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
        "plan": intake.plan,
        "running_experience": intake.running_experience,
        "motivation": intake.motivation,
        "current_activity": intake.current_activity,
    }


def intake_date(referral: Referral) -> str:
    """Week 0: the intake's own date, else the date stored on the referral."""
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
        "resting_heart_rate": screening.resting_heart_rate,
        "blood_pressure": f"{screening.systolic}/{screening.diastolic}",
        "height_cm": screening.height_cm,
        "weight_kg": dutch_decimal(screening.weight_kg),
        "bmi": dutch_decimal(screening.bmi) if screening.height_cm else EMPTY,
        "outcome": screening.get_outcome_display(),
        "restrictions": screening.restrictions,
        "injuries": screening.injuries,
    }


def attendance_context(referral: Referral) -> dict:
    """Sessions so far, in one query: attended, no-show, cancelled, minutes and distance."""
    attendance = TherapySession.Attendance
    totals = TherapySession.objects.filter(referral=referral).aggregate(
        attended=Count("pk", filter=Q(attendance=attendance.ATTENDED)),
        no_show=Count("pk", filter=Q(attendance=attendance.NO_SHOW)),
        cancelled=Count("pk", filter=Q(attendance=attendance.CANCELLED)),
        on_own=Count("pk", filter=Q(attendance=attendance.ATTENDED, mode=TherapySession.Mode.OWN)),
        minutes_running=Sum("minutes_running", filter=Q(attendance=attendance.ATTENDED)),
        distance_km=Sum("distance_km", filter=Q(attendance=attendance.ATTENDED)),
    )
    return {
        "attended": totals["attended"],
        "no_show": totals["no_show"],
        "cancelled": totals["cancelled"],
        "on_own": totals["on_own"],
        "minutes_running": totals["minutes_running"] or 0,
        "distance_km": dutch_decimal(totals["distance_km"] or 0),
    }


def responses_by_week(referral: Referral) -> dict[tuple[str, int], QuestionnaireResponse]:
    return {(r.instrument, r.week): r for r in referral.questionnaires.all()}


def band_label(code: str, response: QuestionnaireResponse) -> str:
    """The stored band's label; recomputed from the total if the stored code is unknown."""
    instrument = INSTRUMENTS[code]
    labels = {band: label for _upper, band, label in instrument.bands}
    if response.band in labels:
        return str(labels[response.band])
    try:
        return str(instrument.band_for(response.total)[1])
    except ValueError:
        return ""


def verdict(code: str, before: int | None, after: int | None) -> dict | None:
    """Reliable change between two totals, or None when one of them is missing."""
    if before is None or after is None:
        return None
    try:
        change = reliable_change(code, before, after)
    except ValueError:
        return None
    return {"code": change, "label": str(CHANGE_LABELS[change]), "difference": after - before}


def scores_context(referral: Referral, weeks: tuple[int, ...]) -> dict:
    """One row per instrument: the total and band per week, and the change first -> last week.

    A missing score is None (the template prints "—") and leaves the change unknown. `has_any`
    is False when nothing was entered for these weeks (then there is no chart to draw).
    """
    responses = responses_by_week(referral)
    rows = []
    for code, instrument in INSTRUMENTS.items():
        cells = []
        for week in weeks:
            response = responses.get((code, week))
            cells.append(
                {"week": week, "total": response.total, "band": band_label(code, response)}
                if response
                else {"week": week, "total": None, "band": ""}
            )
        rows.append(
            {
                "code": code,
                "name": str(instrument.name),
                "max_total": instrument.max_total,
                "threshold": instrument.reliable_change_threshold,
                "cells": cells,
                "verdict": verdict(code, cells[0]["total"], cells[-1]["total"])
                if len(weeks) > 1
                else None,
            }
        )
    return {
        "weeks": list(weeks),
        "first_week": weeks[0],
        "last_week": weeks[-1],
        "compare": len(weeks) > 1,
        "rows": rows,
        "has_any": any(cell["total"] is not None for row in rows for cell in row["cells"]),
    }


def score_chart(scores: dict) -> SafeString | None:
    """The end report's chart of all weeks; None when no score was entered at all."""
    if not scores["has_any"]:
        return None
    series = {
        row["code"]: [(cell["week"], cell["total"]) for cell in row["cells"]]
        for row in scores["rows"]
    }
    markup = score_chart_svg(
        series,
        max_values={row["code"]: row["max_total"] for row in scores["rows"]},
        title=gettext("Questionnaire totals per week"),
    )
    # score_chart_svg escapes every text it writes; its input here is numbers and our labels.
    return mark_safe(markup)  # noqa: S308


def safety_alerts_context(referral: Referral, weeks: tuple[int, ...]) -> list[dict]:
    """Safety alerts (PHQ-9 item 9) raised on the questionnaires of these weeks."""
    alerts = referral.safety_alerts.filter(response__week__in=weeks).select_related("response")
    return [
        {
            "week": alert.response.week,
            "label": str(ALERT_LABELS.get(alert.code, alert.code)),
        }
        for alert in sorted(alerts, key=lambda a: (a.response.week, a.pk))
    ]


def outcome_context(referral: Referral) -> dict:
    """Completed or stopped (with the reason); other statuses by their label."""
    if referral.status == Status.STOPPED or (referral.stopped_at and not referral.completed_at):
        return {"label": Status.STOPPED.label, "stopped": True, "reason": referral.stop_reason}
    if referral.status == Status.COMPLETED or referral.completed_at:
        return {"label": Status.COMPLETED.label, "stopped": False, "reason": ""}
    return {"label": referral.get_status_display(), "stopped": False, "reason": ""}


def kind_context(report: TherapyReport) -> dict:
    """What only this kind of report shows."""
    referral = report.referral
    weeks = WEEKS.get(report.kind, (0,))
    scores = scores_context(referral, weeks)
    context: dict = {"scores": scores, "alerts": safety_alerts_context(referral, weeks)}
    if report.kind == TherapyReport.Kind.INTAKE:
        context["intake"] = intake_context(referral)
        context["screening"] = screening_context(referral)
    else:
        context["attendance"] = attendance_context(referral)
    if report.kind == TherapyReport.Kind.END:
        context.update(
            chart=score_chart(scores),
            fitness_progress=report.fitness_progress,
            runs_independently=report.get_runs_independently_display(),
            outcome=outcome_context(referral),
            advice=report.advice,
            follow_up_due=dutch_date(referral.follow_up_due),
        )
    return context


def therapy_report_context(report: TherapyReport) -> dict:
    referral = report.referral
    return {
        "kind": report.kind,
        "headline": report.get_kind_display(),
        "therapist": letterhead_context(referral.therapist),
        "gp": gp_context(referral.gp),
        "gp_practice": practice_context(referral.practice),
        "patient": patient_context(referral.patient),
        "report_date": report_date(report),
        "intake_date": intake_date(referral),
        "summary": report.summary,
        **kind_context(report),
    }


def render_therapy_report(report: TherapyReport) -> bytes:
    """The report as PDF, in Dutch whatever language the request runs in."""
    with translation.override(LETTER_LANGUAGE):
        return render_pdf(
            REPORT_TEMPLATE, therapy_report_context(report), stylesheet=LETTER_STYLESHEET
        )
