"""Writes about mood questionnaires: entering one (and raising a safety alert), acknowledging one.

Scoring lives in outcomes.instruments; these functions add who may do what, and when.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from referrals.models import Referral, Status
from referrals.recipients import is_sent_now_to

from . import signals
from .exceptions import QuestionnaireError
from .instruments import INSTRUMENTS
from .models import QuestionnaireResponse, SafetyAlert

#: The statuses in which each week's questionnaires may be entered. Week 0 is the intake, so it
#: may be entered once the intake is done; weeks 5 and 10 only while the therapy runs.
ENTRY_STATUSES: dict[int, tuple[str, ...]] = {
    0: (Status.INTAKE_DONE, Status.IN_THERAPY),
    5: (Status.IN_THERAPY,),
    10: (Status.IN_THERAPY,),
}


def questionnaire_check_entry(
    *, referral: Referral, instrument_code: str, week: int, by: User
) -> None:
    """Raise QuestionnaireError when `by` may not enter this questionnaire on `referral` now.

    The entry page asks this before showing the form, so nobody fills in nine items in vain.
    """
    if instrument_code not in INSTRUMENTS:
        raise QuestionnaireError(_("Unknown questionnaire."))
    if week not in ENTRY_STATUSES:
        raise QuestionnaireError(_("Questionnaires are entered at weeks 0, 5 and 10."))
    if by.role != User.Role.THERAPIST or not is_sent_now_to(referral, by):
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
) -> QuestionnaireResponse:
    """Store and score one questionnaire; an alert answer raises a SafetyAlert and emails the GP.

    Raises QuestionnaireError when the rules refuse it, and outcomes.instruments.InvalidAnswers
    (with one message per bad item) when the answers cannot be scored. The GP's email is queued only
    after the transaction commits, so a rolled-back entry never alarms anyone.
    """
    questionnaire_check_entry(referral=referral, instrument_code=instrument_code, week=week, by=by)
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
        if current.intake_date is None or completed_on < current.intake_date:
            raise QuestionnaireError(_("The completion date cannot be before the intake."))
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
                    entered_by=by,
                )
        except IntegrityError:  # a concurrent entry of the same week won
            raise QuestionnaireError(
                _("This questionnaire has already been entered for this week.")
            ) from None
        for code in score.alerts:
            alert = SafetyAlert.objects.create(referral=current, response=response, code=code)
            # The GP's e-mail is written to the outbox in this transaction (a rolled-back entry
            # alarms nobody) and delivered after commit, retried until the mail server has it.
            signals.alert_raised.send(sender=SafetyAlert, alert=alert, by=by)
    return response


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
