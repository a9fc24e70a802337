"""Writes about mood questionnaires: entering one (and raising a safety alert), acknowledging one.

Scoring lives in outcomes.instruments; these functions add who may do what, and when.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from referrals.models import FollowUp, Referral, Status
from referrals.recipients import is_sent_now_to
from referrals.schedule import QUESTIONNAIRE_WINDOWS, questionnaire_window

from . import signals
from .exceptions import QuestionnaireError
from .instruments import INSTRUMENTS
from .models import FOLLOW_UP_WEEK, QuestionnaireResponse, SafetyAlert
from .recovery import deteriorated_at

#: The weeks whose reliable deterioration since week 0 is told to the GP.
DETERIORATION_WEEKS = (5, 10)

#: The statuses in which each week's questionnaires may be entered. Week 0 is the intake, so it
#: may be entered once the intake is done; weeks 5 and 10 only while the therapy runs.
ENTRY_STATUSES: dict[int, tuple[str, ...]] = {
    0: (Status.INTAKE_DONE, Status.IN_THERAPY),
    5: (Status.IN_THERAPY,),
    10: (Status.IN_THERAPY,),
}


def window_refusal(
    *, start: date, week: int, completed_on: date, outside_window: bool, reason: str
) -> str:
    """Why a questionnaire of `week` dated `completed_on` cannot be stored, or "".

    Each week has its window, counted from the start of therapy (referrals.schedule
    QUESTIONNAIRE_WINDOWS: week 0 from 7 days before to 7 days after, week 5 days 28-49, week
    10 days 63-84). Outside it only when the therapist says so and gives the reason.
    """
    first, last = questionnaire_window(start, week)
    if first <= completed_on <= last:
        return ""
    if outside_window and reason.strip():
        return ""
    days = (completed_on - start).days
    message = _(
        "Week %(week)d questionnaires are dated from %(first)s to %(last)s (days %(from)d to "
        "%(to)d after the start of therapy on %(start)s); this date is day %(day)d."
    ) % {
        "week": week,
        "first": date_format(first, "SHORT_DATE_FORMAT"),
        "last": date_format(last, "SHORT_DATE_FORMAT"),
        "from": QUESTIONNAIRE_WINDOWS[week][0],
        "to": QUESTIONNAIRE_WINDOWS[week][1],
        "start": date_format(start, "SHORT_DATE_FORMAT"),
        "day": days,
    }
    return (
        message
        + " "
        + _(
            "If it was really filled in on this date, tick “outside the window” and give the"
            " reason."
        )
    )


def questionnaire_check_entry(
    *, referral: Referral, instrument_code: str, week: int, by: User, by_patient: bool = False
) -> None:
    """Raise QuestionnaireError when `by` may not enter this questionnaire on `referral` now.

    The entry page asks this before showing the form, so nobody fills in nine items in vain.
    """
    if instrument_code not in INSTRUMENTS:
        raise QuestionnaireError(_("Unknown questionnaire."))
    if week not in ENTRY_STATUSES:
        raise QuestionnaireError(_("Questionnaires are entered at weeks 0, 5 and 10."))
    if not by_patient and (by.role != User.Role.THERAPIST or not is_sent_now_to(referral, by)):
        raise QuestionnaireError(
            _("Only the patient's running therapist can enter questionnaires.")
        )
    if referral.status not in ENTRY_STATUSES[week]:
        if week == 0:
            raise QuestionnaireError(
                _("The week 0 questionnaires can be entered after the intake.")
            )
        raise QuestionnaireError(
            _("The week %(week)d questionnaires can be entered while the therapy runs.")
            % {"week": week}
        )
    if QuestionnaireResponse.objects.filter(
        referral=referral, instrument=instrument_code, week=week
    ).exists():
        raise QuestionnaireError(_("This questionnaire has already been entered for this week."))


def questionnaire_record(
    *,
    referral: Referral,
    instrument_code: str,
    week: int,
    answers: list,
    completed_on: date,
    by: User,
    difficulty: int | str | None = None,
    outside_window: bool = False,
    outside_window_reason: str = "",
    by_patient: bool = False,
) -> QuestionnaireResponse:
    """Store and score one questionnaire; an alert answer raises a SafetyAlert and emails the GP.

    `by_patient`: the patient filled it in through their personal link (patientlinks); `by` is
    then the therapist in whose care it is, and a date outside the week's window is stored with
    that said, not refused (the patient answered when the link reached them).

    Raises QuestionnaireError when the rules refuse it, and outcomes.instruments.InvalidAnswers
    (with one message per bad item) when the answers cannot be scored. The GP's email is queued only
    after the transaction commits, so a rolled-back entry never alarms anyone.
    """
    questionnaire_check_entry(
        referral=referral,
        instrument_code=instrument_code,
        week=week,
        by=by,
        by_patient=by_patient,
    )
    instrument = INSTRUMENTS[instrument_code]
    cleaned = instrument.clean(answers)
    score = instrument.score(cleaned)
    try:
        difficulty = instrument.clean_difficulty(difficulty)
    except ValueError:
        raise QuestionnaireError(_("Choose an answer to the question how difficult.")) from None
    if completed_on > timezone.localdate():
        raise QuestionnaireError(_("The completion date cannot be in the future."))
    with transaction.atomic():
        # The lock makes the status and intake date we check the ones we write against.
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        if current.status not in ENTRY_STATUSES[week]:
            raise QuestionnaireError(_("The referral has changed; reload the page and try again."))
        if current.week_zero is None:
            raise QuestionnaireError(_("The questionnaires are entered after the intake."))
        if by_patient:
            outside_window = True
            outside_window_reason = _("Filled in by the patient through their personal link.")
        refusal = window_refusal(
            start=current.week_zero,
            week=week,
            completed_on=completed_on,
            outside_window=outside_window,
            reason=outside_window_reason,
        )
        if refusal:
            raise QuestionnaireError(refusal)
        first, last = questionnaire_window(current.week_zero, week)
        if first <= completed_on <= last:
            # A tick by mistake on a date inside the window (found in a try-out: it was then
            # shown as "outside the window"): the date is simply inside it.
            outside_window = False
        try:
            with transaction.atomic():
                response = QuestionnaireResponse.objects.create(
                    referral=current,
                    instrument=instrument.code,
                    instrument_version=instrument.version,
                    week=week,
                    answers=cleaned,
                    difficulty=difficulty,
                    total=score.total,
                    band=score.band,
                    completed_on=completed_on,
                    outside_window=outside_window,
                    outside_window_reason=outside_window_reason.strip() if outside_window else "",
                    entered_by=by,
                    entered_by_patient=by_patient,
                )
        except IntegrityError:  # a concurrent entry of the same week won
            raise QuestionnaireError(
                _("This questionnaire has already been entered for this week.")
            ) from None
        if week in DETERIORATION_WEEKS:
            rows = list(
                QuestionnaireResponse.objects.filter(
                    referral=current, week__in=(0, week)
                ).values_list("instrument", "week", "total", "completed_on")
            )
            mine = {(c, w): t for c, w, t, _day in rows if c == instrument.code}
            if deteriorated_at(mine, week):
                # The GP's e-mail (without the score) and the item on their home, dated as the
                # item is (notifications.due): the week's latest questionnaire.
                day = max(d for _c, w, _t, d in rows if w == week)
                signals.deterioration_found.send(
                    sender=QuestionnaireResponse, response=response, day=day, by=by
                )
        alerts_raise(response=response, codes=score.alerts, by=by)
    return response


def alerts_raise(*, response: QuestionnaireResponse, codes: tuple[str, ...], by: User) -> None:
    """A SafetyAlert per alert answer of `response` (PHQ-9 item 9 above 0), told to the
    practice. Called inside the transaction that stores the response."""
    for code in codes:
        alert = SafetyAlert.objects.create(
            referral_id=response.referral_id, response=response, code=code
        )
        # The GP's e-mail is written to the outbox in this transaction (a rolled-back entry
        # alarms nobody) and delivered after commit, retried until the mail server has it.
        signals.alert_raised.send(sender=SafetyAlert, alert=alert, by=by)


def follow_up_questionnaires_record(
    *, follow_up: FollowUp, answers: dict[str, tuple[list, int | str | None]], by: User
) -> list[QuestionnaireResponse]:
    """The PHQ-9 and GAD-7 the GP filled in at the follow-up, dated on the follow-up's day.

    `answers` maps an instrument's code to its item answers and the functioning answer. Scored
    as at weeks 0, 5 and 10 (outcomes.instruments), stored as week FOLLOW_UP_WEEK, and an
    item-9 answer above 0 raises a safety alert as anywhere else. Runs inside the follow-up's
    transaction (referrals.services.follow_up_record): InvalidAnswers or QuestionnaireError
    undoes the follow-up with it. The PHQ-9 total is also the follow-up's `phq9_total`.
    """
    if by.role != User.Role.GP or by.practice_id != follow_up.referral.practice_id:
        raise QuestionnaireError(_("Only a GP of the referring practice holds the follow-up."))
    stored = []
    with transaction.atomic():
        for code, (items, difficulty) in answers.items():
            instrument = INSTRUMENTS.get(code)
            if instrument is None:
                raise QuestionnaireError(_("Unknown questionnaire."))
            cleaned = instrument.clean(items)
            score = instrument.score(cleaned)
            try:
                difficulty = instrument.clean_difficulty(difficulty)
            except ValueError:
                raise QuestionnaireError(
                    _("Choose an answer to the question how difficult.")
                ) from None
            try:
                with transaction.atomic():
                    response = QuestionnaireResponse.objects.create(
                        referral_id=follow_up.referral_id,
                        instrument=instrument.code,
                        instrument_version=instrument.version,
                        week=FOLLOW_UP_WEEK,
                        answers=cleaned,
                        difficulty=difficulty,
                        total=score.total,
                        band=score.band,
                        completed_on=follow_up.date,
                        entered_by=by,
                    )
            except IntegrityError:
                raise QuestionnaireError(
                    _("This questionnaire has already been entered at the follow-up.")
                ) from None
            alerts_raise(response=response, codes=score.alerts, by=by)
            stored.append(response)
            if instrument.code == "PHQ-9":
                follow_up.phq9_total = score.total
                follow_up.save(update_fields=["phq9_total"])
    return stored


def alert_acknowledge(*, alert: SafetyAlert, by: User, note: str) -> bool:
    """A GP of the practice has acted on the alert. True when this call acknowledged it, False
    when done before.

    `note` says what was done ("patient gebeld, geen acuut gevaar, afspraak morgen"): required,
    it shows with the GP's name on the referral's timeline and in the letters back. Only a GP of
    the referral's practice may; the first acknowledgement stays.
    """
    referral = alert.referral
    if not (by.role == User.Role.GP and by.practice_id == referral.practice_id):
        raise QuestionnaireError(
            _("Only a GP of the referring practice can acknowledge this alert.")
        )
    note = (note or "").strip()
    if not note:
        raise QuestionnaireError(_("Write down briefly what was done."))
    changed = SafetyAlert.objects.filter(pk=alert.pk, acknowledged_at=None).update(
        acknowledged_by=by, acknowledged_at=timezone.now(), acknowledgement_note=note[:500]
    )
    return changed == 1
