"""Every write of the therapy that carries a rule: intake, screening, sessions, letters back and
closing.

Status changes go through referrals.services.referral_transition; whoever must hear of a change
hears it through the signals of therapy.signals (the notifications app listens).
"""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from core.pdf import pdf_sha256
from referrals.exceptions import InvalidTransition
from referrals.models import FollowUp, Referral, ReferralDocument, Status
from referrals.recipients import sent_now_to
from referrals.schedule import follow_up_due, screening_late, therapy_start
from referrals.services import ensure_chosen_therapist, referral_transition

from . import plausibility, signals
from .exceptions import TherapyError
from .letters import render_therapy_letter
from .models import Screening, TherapyLetter, TherapySession


def intake_record(*, referral: Referral, intake, by: User) -> Referral:
    """Store the intake (an unsaved Intake); week 0 starts with the screening that clears."""
    ensure_chosen_therapist(referral, by)
    with transaction.atomic():
        moved = referral_transition(
            referral=referral, to=Status.INTAKE_DONE, by=by, intake_date=intake.date
        )
        intake.referral = moved
        intake.recorded_by = by
        intake.save()
    return moved


def screening_refusal(*, referral: Referral, screening) -> str:
    """Why this screening's date cannot be stored, or "" (the form says it beside the date)."""
    intake = referral.intake_date
    if screening.date > timezone.localdate():
        return _("The screening date cannot be in the future.")
    if intake and screening.date < intake:
        return _("The screening cannot be before the intake on %(intake)s.") % {
            "intake": date_format(intake, "SHORT_DATE_FORMAT")
        }
    if intake and screening_late(intake, screening.date) and not screening.late_reason.strip():
        return _(
            "The screening is %(days)d days after the intake (more than 28): give the reason."
        ) % {"days": (screening.date - intake).days}
    return ""


def screening_record(*, referral: Referral, screening, by: User) -> Referral:
    """Cleared (with or without restrictions) starts therapy on the screening's date, and with
    it the GP's follow-up clock (three months); not cleared goes back to the GP."""
    ensure_chosen_therapist(referral, by)
    if screening.date is None:
        screening.date = timezone.localdate()  # recorded on the day it was held
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        refusal = screening_refusal(referral=current, screening=screening)
        if refusal:
            raise TherapyError(refusal)
        clears = screening.outcome != Screening.Outcome.NOT_CLEARED
        error = plausibility.clearance_error(screening.systolic, screening.diastolic, clears)
        if error:
            raise TherapyError(error)
        if screening.outcome == Screening.Outcome.NOT_CLEARED:
            reason = screening.notes or screening.restrictions
            moved = referral_transition(
                referral=referral,
                to=Status.NOT_CLEARED,
                by=by,
                note=reason,
                not_cleared_reason=reason,
            )
            signals.screening_not_cleared.send(
                sender=Screening, referral=moved, event=moved.last_event, by=by
            )
        else:
            start = therapy_start(current.intake_date or screening.date, screening.date)
            moved = referral_transition(
                referral=referral,
                to=Status.IN_THERAPY,
                by=by,
                therapy_start=start,
                follow_up_due=follow_up_due(start),
            )
        screening.referral = moved
        screening.recorded_by = by
        screening.save()
    return moved


def letter_send(*, referral: Referral, letter: TherapyLetter, by: User) -> TherapyLetter:
    """Store the therapist's letter back and its PDF on the referral, and tell the GP it waits."""
    ensure_chosen_therapist(referral, by)
    with transaction.atomic():
        Referral.objects.select_for_update().get(pk=referral.pk)
        if TherapyLetter.objects.filter(referral=referral, kind=letter.kind).exists():
            raise TherapyError(_("This report has already been sent."))
        letter.referral = referral
        letter.written_by = by
        try:
            with transaction.atomic():
                letter.save()
        except IntegrityError:  # the same letter sent twice at once
            raise TherapyError(_("This report has already been sent.")) from None
        pdf = render_therapy_letter(letter)
        ReferralDocument.objects.create(
            referral=referral,
            kind=letter.kind,
            content=pdf,
            sha256=pdf_sha256(pdf),
            created_by=by,
        )
        signals.letter_sent.send(sender=TherapyLetter, letter=letter, by=by)
    return letter


def therapy_close(
    *, referral: Referral, outcome: str, letter: TherapyLetter, by: User, reason: str = ""
) -> Referral:
    """Completed or stopped: write the end letter and start the GP's follow-up clock."""
    if outcome not in (Status.COMPLETED, Status.STOPPED):
        raise InvalidTransition(_("A therapy ends as completed or stopped."))
    ensure_chosen_therapist(referral, by)
    with transaction.atomic():
        start = referral.therapy_start or referral.intake_date
        held = FollowUp.objects.filter(referral=referral).exists()
        changes = {}
        # Set when the therapy started; a late close moves it to two weeks after the close.
        if start and not held:
            changes["follow_up_due"] = follow_up_due(start, closed_on=timezone.localdate())
        if outcome == Status.STOPPED:
            changes["stop_reason"] = reason
        closed = referral_transition(referral=referral, to=outcome, by=by, note=reason, **changes)
        letter.kind = TherapyLetter.Kind.END
        letter_send(referral=closed, letter=letter, by=by)
        if held:
            # The GP held the follow-up while the therapy was open: the close ends the referral.
            closed = referral_transition(referral=closed, to=Status.FOLLOWED_UP, by=by)
    return closed


# --- Sessions ---------------------------------------------------------------------------------

# What a session form may set; anything else in `data` (the attendance radio, say) is ignored.
SESSION_FIELDS = (
    "date",
    "mode",
    "duration_minutes",
    "minutes_running",
    "minutes_walking",
    "distance_km",
    "average_heart_rate",
    "rpe",
    "notes",
    "values_confirmed",
)
# A patient who did not come did not run: these stay empty on a no-show or cancelled row.
EXERCISE_FIELDS = (
    "duration_minutes",
    "minutes_running",
    "minutes_walking",
    "distance_km",
    "average_heart_rate",
    "rpe",
)


def session_refusal(*, referral: Referral, by: User) -> str:
    """Why `by` cannot log a session for this referral now, or "" when they can."""
    therapist = getattr(by, "therapist", None)
    if therapist is None or referral.therapist_id != therapist.pk:
        return _("Only the patient's own running therapist can log sessions.")
    if referral.status != Status.IN_THERAPY:
        return _("Sessions can be logged once therapy has started (status now: %(status)s).") % {
            "status": referral.get_status_display()
        }
    return ""


def session_log(
    *, referrals: list[Referral], by: User, data: dict, attendance: dict[int, str] | None = None
) -> list[TherapySession]:
    """One session row per referral; a group session's rows share one `group` uuid.

    `attendance` maps referral id -> TherapySession.Attendance (attended when missing). All rows
    are written or none: one refused referral refuses the whole group.
    """
    attendance = attendance or {}
    day = data.get("date")
    if not referrals:
        raise TherapyError(_("Choose at least one patient."))
    if day is None:
        raise TherapyError(_("Enter the date of the session."))
    if day > timezone.localdate():
        raise TherapyError(_("A session cannot be logged for a date in the future."))
    impossible = plausibility.session_errors(data)
    if impossible:  # the form says so beside the field; this is the rule itself
        raise TherapyError(" ".join(str(message) for message in impossible.values()))
    ids = list(dict.fromkeys(r.pk for r in referrals))
    with transaction.atomic():
        # Locked in a fixed order, so that a status change cannot slip in between check and write.
        locked = {
            r.pk: r
            for r in Referral.objects.select_for_update(of=("self",))
            .select_related("patient")
            .filter(pk__in=ids)
            .order_by("pk")
        }
        # Only what is sent to `by` now: the therapist field alone is the GP's choice.
        theirs = set(
            Referral.objects.filter(sent_now_to(by), pk__in=ids).values_list("pk", flat=True)
        )
        group = uuid.uuid4() if len(ids) > 1 else None
        fields = {name: data[name] for name in SESSION_FIELDS if name in data}
        fields["notes"] = fields.get("notes") or ""
        rows = []
        for pk in ids:
            referral = locked.get(pk)
            if referral is None:
                raise TherapyError(_("This referral does not exist."))
            name = referral.patient.full_name
            refusal = session_refusal(referral=referral, by=by)
            if not refusal and pk not in theirs:
                refusal = _("Only the patient's own running therapist can log sessions.")
            if refusal:
                raise TherapyError(f"{name}: {refusal}")
            if referral.intake_date and day < referral.intake_date:
                raise TherapyError(
                    _("%(name)s: the session date lies before the intake on %(intake)s.")
                    % {
                        "name": name,
                        "intake": date_format(referral.intake_date, "SHORT_DATE_FORMAT"),
                    }
                )
            present = attendance.get(pk) or TherapySession.Attendance.ATTENDED
            if present not in TherapySession.Attendance.values:
                raise TherapyError(_("Choose attended, no-show or cancelled."))
            row = TherapySession(
                referral=referral, attendance=present, group=group, recorded_by=by, **fields
            )
            if present != TherapySession.Attendance.ATTENDED:
                for field in EXERCISE_FIELDS:
                    setattr(row, field, None)
                row.values_confirmed = False
            rows.append(row)
        return TherapySession.objects.bulk_create(rows)
