"""Correcting what the therapist recorded: the intake, the screening, a session, a group session,
and withdrawing a session logged by mistake.

Only the therapist who recorded it corrects it, and only while the referral is open. Each
correction keeps its trail (patients.corrections: old and new values, by, at, the required
reason), all in one transaction with the change; when a letter back already told the GP, an
addendum follows (therapy.addenda). The dates that anchor the schedule (the intake's, the
screening's) and the screening's outcome (a step of the lifecycle) are not corrected here.
"""

from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from outcomes import signals as outcome_signals
from outcomes.instruments import INSTRUMENTS
from outcomes.models import QuestionnaireResponse, SafetyAlert
from outcomes.recovery import deteriorated_at
from outcomes.services import DETERIORATION_WEEKS, window_refusal
from patients.corrections import (
    CorrectionError,
    correction_write,
    row_correct,
)
from patients.models import Correction
from referrals.models import Referral
from referrals.schedule import questionnaire_window

from . import plausibility
from .addenda import addendum_send
from .models import Intake, Screening, TherapySession
from .services import EXERCISE_FIELDS
from .services import SESSION_FIELDS as SESSION_FORM_FIELDS

#: What a correction of each may change (the rest anchors the schedule or the lifecycle).
INTAKE_FIELDS = (
    "goals",
    "running_experience",
    "motivation",
    "current_activity",
    "plan_weeks",
    "plan_supervised_per_week",
    "plan_own_runs_per_week",
    "plan_minutes",
    "plan_borg_rpe",
    "plan",
)
SCREENING_FIELDS = (
    "late_reason",
    "resting_heart_rate",
    "systolic",
    "diastolic",
    "height_cm",
    "weight_kg",
    "injuries",
    "notes",
    "restrictions",
    "values_confirmed",
)
#: A session's values as the session form sets them (therapy.services), and its attendance,
#: which a correction may change too.
SESSION_FIELDS = (*SESSION_FORM_FIELDS, "attendance")
#: A group session's shared values: each attendee's row gets them.
GROUP_FIELDS = (
    "date",
    "mode",
    "duration_minutes",
    "minutes_running",
    "minutes_walking",
    "distance_km",
    "notes",
)


def correction_refusal(*, referral: Referral, row, by: User) -> str:
    """Why `by` may not correct this row now, or "" when they may."""
    if not referral.is_open:
        return _("This referral is closed: what was recorded can no longer be corrected.")
    if author_of(row) != by.pk:
        return _("Only the therapist who recorded this can correct it.")
    if getattr(row, "withdrawn_at", None):
        return _("This session has been withdrawn: it can no longer be corrected.")
    return ""


def author_of(row) -> int:
    """Who recorded the row: a questionnaire is `entered_by`, the therapy's rows `recorded_by`."""
    return row.entered_by_id if isinstance(row, QuestionnaireResponse) else row.recorded_by_id


def recorded_at(row):
    return row.created_at if isinstance(row, QuestionnaireResponse) else row.recorded_at


def session_name(session: TherapySession) -> str:
    return _("Session of %(date)s") % {"date": date_format(session.date, "SHORT_DATE_FORMAT")}


def _locked(referral_ids) -> dict[int, Referral]:
    """The referrals, locked in a fixed order (no status change slips in), with their patient."""
    return {
        r.pk: r
        for r in Referral.objects.select_for_update(of=("self",))
        .select_related("patient")
        .filter(pk__in=list(referral_ids))
        .order_by("pk")
    }


def _apply(
    *,
    referral: Referral,
    row: models.Model,
    values: dict,
    reason: str,
    by: User,
    what,
    sessions: bool = False,
    skip_unchanged: bool = False,
) -> Correction | None:
    """Set `values` on the locked row, write its trail, save it and send the addendum
    (`skip_unchanged`: None for a row the values leave as it was, a group's no-show's)."""
    refusal = correction_refusal(referral=referral, row=row, by=by)
    if refusal:
        raise CorrectionError(refusal)
    correction = row_correct(
        patient=referral.patient,
        row=row,
        values=values,
        reason=reason,
        by=by,
        skip_unchanged=skip_unchanged,
    )
    if correction is None:
        return None
    addendum_send(
        referral=referral,
        correction=correction,
        recorded_at=recorded_at(row),
        what=what,
        by=by,
        sessions=sessions,
    )
    return correction


def intake_correct(*, referral: Referral, data: dict, reason: str, by: User) -> Correction:
    with transaction.atomic():
        locked = _locked([referral.pk])[referral.pk]
        row = Intake.objects.select_for_update().get(referral=locked)
        values = {name: data[name] for name in INTAKE_FIELDS if name in data}
        return _apply(
            referral=locked, row=row, values=values, reason=reason, by=by, what=lambda: _("Intake")
        )


def screening_correct(*, referral: Referral, data: dict, reason: str, by: User) -> Correction:
    with transaction.atomic():
        locked = _locked([referral.pk])[referral.pk]
        row = Screening.objects.select_for_update().get(referral=locked)
        values = {name: data[name] for name in SCREENING_FIELDS if name in data}
        clears = row.outcome != Screening.Outcome.NOT_CLEARED
        error = plausibility.clearance_error(
            values.get("systolic", row.systolic), values.get("diastolic", row.diastolic), clears
        )
        if error:
            raise CorrectionError(error)
        return _apply(
            referral=locked,
            row=row,
            values=values,
            reason=reason,
            by=by,
            what=lambda: _("Sports-medical screening"),
        )


def _session_checks(referral: Referral, values: dict) -> None:
    """session_log's rules on the values a correction sets."""
    day = values.get("date")
    if day and day > timezone.localdate():
        raise CorrectionError(_("A session cannot be logged for a date in the future."))
    if day and referral.intake_date and day < referral.intake_date:
        raise CorrectionError(
            _("The session date lies before the intake on %(intake)s.")
            % {"intake": date_format(referral.intake_date, "SHORT_DATE_FORMAT")}
        )
    impossible = plausibility.session_errors(values)
    if impossible:
        raise CorrectionError(" ".join(str(message) for message in impossible.values()))


def session_correct(
    *, referral: Referral, session_id: int, data: dict, reason: str, by: User
) -> Correction:
    """One session's values corrected; the totals, the adherence and the letters follow."""
    with transaction.atomic():
        locked = _locked([referral.pk])[referral.pk]
        row = TherapySession.objects.select_for_update().get(pk=session_id, referral=locked)
        values = {name: data[name] for name in SESSION_FIELDS if name in data}
        values["notes"] = values.get("notes") or ""
        if values.get("attendance", row.attendance) != TherapySession.Attendance.ATTENDED:
            values.update(dict.fromkeys(EXERCISE_FIELDS), values_confirmed=False)
        _session_checks(locked, values)
        return _apply(
            referral=locked,
            row=row,
            values=values,
            reason=reason,
            by=by,
            what=lambda: session_name(row),
            sessions=True,
        )


def group_session_correct(
    *, session: TherapySession, data: dict, reason: str, by: User
) -> list[Correction]:
    """The group's shared values corrected on every attendee's row, each with its own trail (and
    addendum); all rows or none."""
    if session.group is None:
        raise CorrectionError(_("This is not a group session."))
    values = {name: data[name] for name in GROUP_FIELDS if name in data}
    values["notes"] = values.get("notes") or ""
    with transaction.atomic():
        rows = list(
            TherapySession.objects.select_for_update()
            .filter(group=session.group, withdrawn_at=None)
            .order_by("pk")
        )
        locked = _locked({row.referral_id for row in rows})
        corrections = []
        for row in rows:
            referral = locked[row.referral_id]
            own = dict(values)
            if row.attendance != TherapySession.Attendance.ATTENDED:
                for name in EXERCISE_FIELDS:
                    own.pop(name, None)  # who did not come did not run: stays empty
            try:
                _session_checks(referral, own)
                correction = _apply(
                    referral=referral,
                    row=row,
                    values=own,
                    reason=reason,
                    by=by,
                    what=lambda row=row: session_name(row),
                    sessions=True,
                    skip_unchanged=True,
                )
            except CorrectionError as exc:
                raise CorrectionError(f"{referral.patient.full_name}: {exc}") from None
            if correction is not None:
                corrections.append(correction)
        if not corrections:
            raise CorrectionError(_("Nothing was changed: correct a value, or cancel."))
        return corrections


def session_withdraw(*, referral: Referral, session_id: int, reason: str, by: User) -> Correction:
    """A session logged by mistake: withdrawn with a reason, kept, no longer counted."""
    with transaction.atomic():
        locked = _locked([referral.pk])[referral.pk]
        row = TherapySession.objects.select_for_update().get(pk=session_id, referral=locked)
        refusal = correction_refusal(referral=locked, row=row, by=by)
        if refusal:
            raise CorrectionError(refusal)
        correction = correction_write(
            patient=locked.patient,
            target=row,
            changes=[],
            reason=reason,
            by=by,
            action=Correction.Action.WITHDRAWN,
        )
        row.withdrawn_at = timezone.now()
        row.save(update_fields=["withdrawn_at"])
        addendum_send(
            referral=locked,
            correction=correction,
            recorded_at=row.recorded_at,
            what=lambda: session_name(row),
            by=by,
            sessions=True,
        )
        return correction


# --- A questionnaire ----------------------------------------------------------------------------

#: What a questionnaire's correction may change; the score follows the answers.
QUESTIONNAIRE_FIELDS = (
    "answers",
    "total",
    "band",
    "difficulty",
    "completed_on",
    "outside_window",
    "outside_window_reason",
)


def _deteriorated_weeks(referral: Referral, code: str) -> set[int]:
    """The weeks (5, 10) whose score of `code` is a reliable deterioration since week 0."""
    totals = dict(
        QuestionnaireResponse.objects.filter(referral=referral, instrument=code).values_list(
            "week", "total"
        )
    )
    mine = {(code, week): total for week, total in totals.items()}
    return {week for week in DETERIORATION_WEEKS if deteriorated_at(mine, week)}


def questionnaire_correct(
    *,
    referral: Referral,
    response_id: int,
    answers: list,
    completed_on,
    difficulty,
    outside_window: bool,
    outside_window_reason: str,
    reason: str,
    by: User,
) -> Correction:
    """Corrected answers, re-scored by the instrument (outcomes.instruments); the score table,
    the recovery figures and the dashboard's counts follow (its post_save). An answer that now
    asks for a safety alert raises one; an alert already raised stays (the GP acted on it)."""
    with transaction.atomic():
        locked = _locked([referral.pk])[referral.pk]
        row = QuestionnaireResponse.objects.select_for_update().get(pk=response_id, referral=locked)
        instrument = INSTRUMENTS[row.instrument]
        score = instrument.score(answers)  # InvalidAnswers: one message per item
        try:
            difficulty = instrument.clean_difficulty(difficulty)
        except ValueError:
            raise CorrectionError(_("Choose an answer to the question how difficult.")) from None
        if completed_on > timezone.localdate():
            raise CorrectionError(_("The completion date cannot be in the future."))
        refusal = window_refusal(
            start=locked.week_zero,
            week=row.week,
            completed_on=completed_on,
            outside_window=outside_window,
            reason=outside_window_reason,
        )
        if refusal:
            raise CorrectionError(refusal)
        first, last = questionnaire_window(locked.week_zero, row.week)
        outside = outside_window and not first <= completed_on <= last
        values = {
            "answers": instrument.clean(answers),
            "total": score.total,
            "band": score.band,
            "difficulty": difficulty,
            "completed_on": completed_on,
            "outside_window": outside,
            "outside_window_reason": outside_window_reason.strip() if outside else "",
        }
        worse_before = _deteriorated_weeks(locked, row.instrument)
        correction = _apply(
            referral=locked,
            row=row,
            values=values,
            reason=reason,
            by=by,
            what=lambda: _("%(code)s week %(week)d") % {"code": row.instrument, "week": row.week},
        )
        for week in _deteriorated_weeks(locked, row.instrument) - worse_before:
            # Newly a reliable deterioration: the GP is told, as when it was entered.
            told = QuestionnaireResponse.objects.get(
                referral=locked, instrument=row.instrument, week=week
            )
            day = max(
                QuestionnaireResponse.objects.filter(referral=locked, week=week).values_list(
                    "completed_on", flat=True
                )
            )
            outcome_signals.deterioration_found.send(
                sender=QuestionnaireResponse, response=told, day=day, by=by
            )
        if score.alerts and not SafetyAlert.objects.filter(response=row).exists():
            alert = SafetyAlert.objects.create(referral=locked, response=row, code=score.alerts[0])
            outcome_signals.alert_raised.send(sender=SafetyAlert, alert=alert, by=by)
        return correction
