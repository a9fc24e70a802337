"""Reads of the therapy, scoped to what the user may see: the caseload's tasks, group sessions,
the sessions' totals."""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from outcomes.models import QuestionnaireResponse
from referrals.models import Referral, Status
from referrals.schedule import (
    QUESTIONNAIRE_OVERDUE_AFTER,
    QUESTIONNAIRE_WEEKS,
    close_reminder_due,
    questionnaire_due,
)
from referrals.selectors import referrals_in_care_of

from .models import TherapyLetter, TherapySession


def referrals_in_therapy(*, user: User) -> QuerySet[Referral]:
    """The therapist's patients in therapy now, for a group session: by surname."""
    return (
        referrals_in_care_of(user)
        .filter(status=Status.IN_THERAPY)
        .order_by("patient__surname", "patient__initials", "pk")
    )


def session_summary(referral: Referral, sessions: list[TherapySession] | None = None) -> dict:
    """Attendance counts and running totals of one referral's sessions, in one query.

    Minutes and distance count attended sessions only; `last_date` is the latest session of any
    attendance. With the referral's `sessions` already read, no query at all. A session withdrawn
    as logged by mistake does not count at all.
    """
    if sessions is not None:
        return _summary_of([s for s in sessions if s.withdrawn_at is None])
    attended = Q(attendance=TherapySession.Attendance.ATTENDED)
    summary = TherapySession.objects.filter(referral=referral, withdrawn_at=None).aggregate(
        total=Count("pk"),
        attended=Count("pk", filter=attended),
        no_show=Count("pk", filter=Q(attendance=TherapySession.Attendance.NO_SHOW)),
        cancelled=Count("pk", filter=Q(attendance=TherapySession.Attendance.CANCELLED)),
        minutes_running=Sum("minutes_running", filter=attended),
        minutes_walking=Sum("minutes_walking", filter=attended),
        distance_km=Sum("distance_km", filter=attended),
        last_date=Max("date"),
    )
    summary["minutes_running"] = summary["minutes_running"] or 0
    summary["minutes_walking"] = summary["minutes_walking"] or 0
    summary["minutes_moving"] = summary["minutes_running"] + summary["minutes_walking"]
    summary["distance_km"] = summary["distance_km"] or Decimal("0")
    return summary


def _summary_of(sessions: list[TherapySession]) -> dict:
    """`session_summary` computed from the rows themselves."""
    attended = [s for s in sessions if s.attendance == TherapySession.Attendance.ATTENDED]
    running = sum(s.minutes_running or 0 for s in attended)
    walking = sum(s.minutes_walking or 0 for s in attended)
    return {
        "total": len(sessions),
        "attended": len(attended),
        "no_show": sum(s.attendance == TherapySession.Attendance.NO_SHOW for s in sessions),
        "cancelled": sum(s.attendance == TherapySession.Attendance.CANCELLED for s in sessions),
        "minutes_running": running,
        "minutes_walking": walking,
        "minutes_moving": running + walking,
        "distance_km": sum((s.distance_km or Decimal("0") for s in attended), Decimal("0")),
        "last_date": max((s.date for s in sessions), default=None),
    }


def caseload_tasks(referrals: list[Referral], today: date | None = None) -> None:
    """Set `tasks` on each referral of a caseload page: two queries, whatever the page size."""
    ids = [referral.pk for referral in referrals]
    entered: dict[int, set[tuple[str, int]]] = {pk: set() for pk in ids}
    for referral_id, code, week in QuestionnaireResponse.objects.filter(
        referral_id__in=ids
    ).values_list("referral_id", "instrument", "week"):
        entered[referral_id].add((code, week))
    reports: dict[int, set[str]] = {pk: set() for pk in ids}
    for referral_id, kind in TherapyLetter.objects.filter(referral_id__in=ids).values_list(
        "referral_id", "kind"
    ):
        reports[referral_id].add(kind)
    for referral in referrals:
        referral.tasks = therapist_tasks(
            referral, entered=entered[referral.pk], reports=reports[referral.pk], today=today
        )


def therapist_tasks(
    referral: Referral,
    *,
    entered: set[tuple[str, int]],
    reports: set[str],
    today: date | None = None,
) -> list[dict]:
    """What the therapist still has to do for one referral, with due dates, given the
    (instrument, week) pairs entered and the report kinds sent (see `caseload_tasks`)."""
    today = today or timezone.localdate()
    tasks: list[dict] = []
    if referral.status == Status.SENT:
        tasks.append({"label": _("Accept or decline"), "due": None, "overdue": False})
    elif referral.status == Status.ACCEPTED:
        tasks.append({"label": _("Hold the intake"), "due": None, "overdue": False})
    elif referral.status == Status.INTAKE_DONE:
        tasks.append(
            {"label": _("Record the sports-medical screening"), "due": None, "overdue": False}
        )
    if referral.status in (Status.INTAKE_DONE, Status.IN_THERAPY) and referral.week_zero:
        # Before the screening only week 0 (counted from the intake for now) can be due.
        weeks = QUESTIONNAIRE_WEEKS if referral.status == Status.IN_THERAPY else (0,)
        for week in weeks:
            due = questionnaire_due(referral.week_zero, week)
            missing = [c for c in ("PHQ-9", "GAD-7") if (c, week) not in entered]
            if missing and due <= today:
                tasks.append(
                    {
                        "label": _("Questionnaires week %(week)s") % {"week": week},
                        "due": due,
                        "overdue": today > due + QUESTIONNAIRE_OVERDUE_AFTER,
                    }
                )
    if referral.status == Status.IN_THERAPY:
        if TherapyLetter.Kind.INTAKE not in reports:
            tasks.append(
                {"label": _("Write the report after intake"), "due": None, "overdue": False}
            )
        week5 = referral.week_zero and questionnaire_due(referral.week_zero, 5)
        if TherapyLetter.Kind.PROGRESS not in reports and week5 and week5 <= today:
            tasks.append({"label": _("Write the progress report"), "due": week5, "overdue": False})
        close = referral.week_zero and close_reminder_due(referral.week_zero)
        if close and close <= today:
            label = _("Close the therapy and send the end report")
            tasks.append({"label": label, "due": close, "overdue": False})
    return tasks


def progress_letter_allowed(referral: Referral, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(
        referral.status == Status.IN_THERAPY
        and referral.week_zero
        and questionnaire_due(referral.week_zero, 5) <= today
    )


def close_warnings(referral: Referral) -> dict:
    """What the close page warns about (found in a try-out: closing as completed gave none):
    the week-10 questionnaires not entered, and a reliable deterioration from week 0 to the
    last week entered (Jacobson & Truax 1991, the thresholds of outcomes.recovery: PHQ-9 up by
    >= 6, GAD-7 up by >= 4)."""
    from outcomes.instruments import INSTRUMENTS

    totals = {(r.instrument, r.week): r.total for r in referral.questionnaires.all()}
    missing = [code for code in INSTRUMENTS if (code, 10) not in totals]
    worse = []
    for code, instrument in INSTRUMENTS.items():
        weeks = [w for w in (10, 5) if (code, w) in totals]
        if (code, 0) not in totals or not weeks:
            continue
        before, after = totals[code, 0], totals[code, weeks[0]]
        if after - before >= instrument.reliable_change_threshold:
            worse.append(
                {
                    "code": code,
                    "week": weeks[0],
                    "before": before,
                    "after": after,
                    "change": after - before,
                }
            )
    return {"missing_week_10": missing, "deteriorated": worse}
