"""Every write to a referral that carries a rule. Only this module changes `Referral.status`.

Whoever must hear of a change (the therapist of a new referral, the GP of an answered one) is
not this module's business: it sends the signals of referrals.signals inside the transaction,
and the notifications app turns them into e-mails that commit or roll back with the change.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.pdf import pdf_sha256
from patients.models import Patient
from therapists.models import Therapist

from . import pages, readiness, risk, signals
from .exceptions import InvalidTransition, NotReadyToSend, OpenReferralExists, ReferralError
from .letters import render_referral_letter
from .models import (
    OPEN_STATUSES,
    STATUS_TIMESTAMP,
    TRANSITIONS,
    FitnessCheck,
    FollowUp,
    Referral,
    ReferralDocument,
    ReferralEvent,
    ReferralRecipient,
    Status,
)
from .recipients import WITH_THERAPIST, is_sent_now_to, sent_now_to

EDITABLE_STATUSES = (Status.DRAFT, Status.DECLINED)


def referral_transition(
    *, referral: Referral, to: str, by: User | None, note: str = "", **changes
) -> Referral:
    """Move a referral to `to` if the lifecycle allows it, recording who, when and why.

    Re-reads the row under a lock so two concurrent moves cannot both pass the check.
    `changes` are extra fields set in the same save (a reason, a therapist; the step's own
    timestamp when the caller needs to know it beforehand). The returned
    referral carries the new ReferralEvent as `last_event`.
    """
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if to not in TRANSITIONS[locked.status]:
            raise InvalidTransition(
                _("A referral cannot go from “%(from)s” to “%(to)s”.")
                % {"from": locked.get_status_display(), "to": Status(to).label}
            )
        from_status = locked.status
        locked.status = to
        fields = ["status", "updated_at", *changes]
        if to in STATUS_TIMESTAMP and STATUS_TIMESTAMP[to] not in changes:
            setattr(locked, STATUS_TIMESTAMP[to], timezone.now())
            fields.append(STATUS_TIMESTAMP[to])
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=fields)
        locked.last_event = ReferralEvent.objects.create(
            referral=locked, from_status=from_status, to_status=to, actor=by, note=note
        )
    return locked


def referral_start(*, patient: Patient, gp: User) -> Referral:
    """A new draft referral for the patient, unless they already have an open one."""
    existing = patient.referrals.filter(status__in=OPEN_STATUSES).first()
    if existing:
        raise OpenReferralExists(existing)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(patient=patient, practice=patient.practice, gp=gp)
            ReferralEvent.objects.create(
                referral=referral, from_status="", to_status=Status.DRAFT, actor=gp
            )
    except IntegrityError:  # a concurrent start won the race for the one open referral
        raise OpenReferralExists(
            patient.referrals.filter(status__in=OPEN_STATUSES).first()
        ) from None
    return referral


def _ensure_editable(referral: Referral) -> None:
    if referral.status not in EDITABLE_STATUSES:
        raise ReferralError(_("This referral has been sent and can no longer be changed."))


def referral_save_draft(*, referral: Referral, by: User, medication=None) -> Referral:
    """Save the GP's edits (a bound ReferralForm's instance) while the referral is a draft,
    with the medication rows (a valid MedicationFormSet) in the same transaction: all or
    nothing."""
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        _ensure_editable(current)
        referral.save()
        if medication is not None:
            medication.instance = referral
            medication.save()
    return referral


def fitness_check_record(*, referral: Referral, check: FitnessCheck, by: User) -> FitnessCheck:
    """Store the GP's fitness check with who and when; a yes without clearance blocks sending."""
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        _ensure_editable(current)
        check.referral = current
        check.checked_by = by
        check.checked_at = timezone.now()
        check.save()
    return check


def declined_by(referral: Referral) -> set[int]:
    """The users (therapists) who declined this referral: they are not offered it again."""
    return set(referral.events.filter(to_status=Status.DECLINED).values_list("actor_id", flat=True))


def referral_choose_therapist(*, referral: Referral, therapist: Therapist, by: User) -> Referral:
    if not therapist.can_receive_referrals:
        raise ReferralError(
            _("This therapist cannot receive referrals: not verified or not accepting patients.")
        )
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        _ensure_editable(current)
        # Found in a try-out: choosing again the therapist who declined said "chosen" while
        # sending stayed blocked.
        if therapist.user_id in declined_by(current):
            raise ReferralError(
                _("This therapist declined this referral: choose another therapist.")
            )
        current.therapist = therapist
        current.save(update_fields=["therapist", "updated_at"])
    return current


def send_problems(referral: Referral) -> list[str]:
    """Everything that still keeps this referral from being sent (empty: ready)."""
    problems = []
    if referral.status not in EDITABLE_STATUSES:
        problems.append(_("This referral has already been sent."))
    if not referral.consent_given:
        problems.append(_("Record the patient's consent to share data with the therapist."))
    required = {
        "complaint": _("Choose the main complaint."),
        "severity": _("Choose the severity."),
        "question": _("Write the question to the therapist."),
        "purpose": _("Choose the purpose."),
        "funding": _("Choose the funding route."),
    }
    problems += [message for field, message in required.items() if not getattr(referral, field)]
    if referral.uses_antidepressant is None:
        problems.append(_("Say whether the patient uses an antidepressant."))
    problems += risk.risk_problems(referral)
    check = FitnessCheck.objects.filter(referral=referral).first()
    if check is None:
        problems.append(_("Do the activity check (PAR-Q+)."))
    else:
        problems += fitness_problems(check)
    therapist = referral.therapist
    if therapist is None:
        problems.append(_("Choose a running therapist."))
    elif not therapist.can_receive_referrals:
        problems.append(_("The chosen therapist is not verified or not accepting new patients."))
    elif (
        referral.status == Status.DECLINED
        and referral.events.filter(to_status=Status.DECLINED, actor=therapist.user).exists()
    ):
        problems.append(_("This therapist declined the referral: choose another therapist."))
    return problems


def fitness_problems(check: FitnessCheck) -> list[str]:
    """What the activity check's outcome (referrals.readiness) keeps from sending; no note clears
    a hard stop."""
    outcome = check.outcome
    if outcome == readiness.OLD_VERSION:
        return [
            _("This fitness check is of the old version: do the activity check (PAR-Q+) again.")
        ]
    if outcome == readiness.WAIT:
        reason = readiness.WAIT_REASONS[readiness.waiting_for(check.answers or {})]
        return [
            _(
                "The activity check says wait: %(reason)s. Send when this has resolved, and"
                " change the answer then."
            )
            % {"reason": reason}
        ]
    if outcome == readiness.NEEDS_EVALUATION:
        stops = check.hard_stops
        general = [q.number for q in stops if q.key in readiness.GENERAL_KEYS]
        follow_up = [q.number for q in stops if q.key not in readiness.GENERAL_KEYS]
        where = "; ".join(
            [
                *([_("question %(n)s") % {"n": ", ".join(general)}] if general else []),
                *([_("follow-up %(n)s") % {"n": ", ".join(follow_up)}] if follow_up else []),
            ]
        )
        return [
            _(
                "Hard stop in the activity check (%(where)s): a note cannot clear it. Record a"
                " medical evaluation (by whom, date, outcome) that clears the patient."
            )
            % {"where": where}
        ]
    if outcome == readiness.NOT_CLEARED:
        return [
            _(
                "The medical evaluation did not clear the patient for running therapy: this"
                " referral cannot be sent."
            )
        ]
    return []


def referral_send(*, referral: Referral, by: User) -> Referral:
    """Render the letter, keep that exact PDF with its SHA-256, record to whom it went, and
    move the referral to sent.

    The ReferralRecipient row (therapist, moment, this letter) is what lets the therapist see
    the referral (referrals.recipients); the therapist hears of it through
    `signals.referral_sent`. All in one transaction.
    """
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        problems = send_problems(current)
        if problems:
            raise NotReadyToSend(problems)
        moment = timezone.now()
        # The row first, so the letter can print its document number; a PDF cannot hold its
        # own SHA-256, so the hash is kept beside it (shown on the referral page) and the
        # number in the letter finds the row (referrals.letters.signature_context).
        letter = ReferralDocument.objects.create(
            referral=current,
            kind=ReferralDocument.Kind.LETTER,
            content=b"",
            sha256="",
            created_by=by,
        )
        pdf = render_referral_letter(current, by=by, sent_at=moment, document=letter)
        letter.content = pdf
        letter.sha256 = pdf_sha256(pdf)
        letter.save(update_fields=["content", "sha256"])
        ReferralRecipient.objects.create(
            referral=current, therapist=current.therapist, sent_at=moment, letter=letter
        )
        sent = referral_transition(
            referral=current,
            to=Status.SENT,
            by=by,
            opened_at=None,
            decline_reason="",
            sent_at=moment,
        )
        signals.referral_sent.send(sender=Referral, referral=sent, event=sent.last_event, by=by)
    return sent


def referral_mark_opened(*, referral: Referral, by: User) -> bool:
    """The first look of the therapist it is sent to now: a read receipt for the GP. True only
    the first time; never for a therapist it is not (or no longer) sent to."""
    if by.role != User.Role.THERAPIST or referral.status not in WITH_THERAPIST:
        return False
    if referral.opened_at is not None:  # read with the referral: nothing to write
        return False
    return bool(
        Referral.objects.filter(sent_now_to(by), pk=referral.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )
    )


def referral_cancel(*, referral: Referral, by: User, reason: str) -> Referral:
    return referral_transition(
        referral=referral, to=Status.CANCELLED, by=by, note=reason, cancel_reason=reason
    )


# --- The therapist's side -------------------------------------------------------------------


def ensure_chosen_therapist(referral: Referral, by: User) -> None:
    """Refuse unless the referral is sent to `by` now (referrals.recipients): being chosen by
    the GP is not enough, nor having been sent it before."""
    if by.role != User.Role.THERAPIST or not is_sent_now_to(referral, by):
        raise ReferralError(_("Only the chosen therapist can do this."))


def referral_accept(*, referral: Referral, by: User) -> Referral:
    ensure_chosen_therapist(referral, by)
    with transaction.atomic():
        accepted = referral_transition(referral=referral, to=Status.ACCEPTED, by=by)
        signals.referral_answered.send(
            sender=Referral, referral=accepted, event=accepted.last_event, by=by
        )
    return accepted


def referral_decline(*, referral: Referral, by: User, reason: str) -> Referral:
    """Back to the GP, who can send it to another therapist."""
    ensure_chosen_therapist(referral, by)
    with transaction.atomic():
        declined = referral_transition(
            referral=referral, to=Status.DECLINED, by=by, note=reason, decline_reason=reason
        )
        signals.referral_answered.send(
            sender=Referral, referral=declined, event=declined.last_event, by=by
        )
    return declined


#: When the GP may hold the follow-up: from the start of therapy on (it is due three months
#: after it, whatever the therapist does). Held while the therapy is open, the referral closes
#: when the therapist closes the therapy (therapy.services.therapy_close).
FOLLOW_UP_STATUSES = (Status.IN_THERAPY, Status.COMPLETED, Status.STOPPED)


def follow_up_refusal(referral: Referral) -> str:
    """Why the GP cannot hold the follow-up of this referral now, or ""."""
    if FollowUp.objects.filter(referral=referral).exists():
        return _("The follow-up has already been recorded.")
    if referral.status not in FOLLOW_UP_STATUSES:
        return _("The follow-up is held once the therapy has started.")
    return ""


def follow_up_record(
    *, referral: Referral, follow_up: FollowUp, by: User, forms: dict | None = None
) -> Referral:
    """The GP's three-month follow-up; saving it closes the referral once therapy has ended.

    `forms` are the valid forms of the page's parts from the rooms above (the PHQ-9 and GAD-7,
    referrals.pages.follow_up_forms): they are saved in the same transaction, so a part that
    refuses leaves nothing of the follow-up behind.
    """
    if by.role != User.Role.GP or by.practice_id != referral.practice_id:
        raise ReferralError(_("Only a GP of the referring practice holds the follow-up."))
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        refusal = follow_up_refusal(locked)
        if refusal:
            raise ReferralError(refusal)
        if locked.status == Status.IN_THERAPY:
            closed = locked
        else:
            closed = referral_transition(referral=referral, to=Status.FOLLOWED_UP, by=by)
        follow_up.referral = closed
        follow_up.recorded_by = by
        follow_up.save()
        pages.follow_up_save(follow_up=follow_up, forms=forms or {}, by=by)
    return closed
