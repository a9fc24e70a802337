"""The referral page's progress bar and its "next step": what the lifecycle and the data say now.

Pure functions of the referral as its page reads it (the fitness check and the follow-up joined
in, see selectors.referral_page_for_user): no queries. A step is ticked only when it is really
done: the activity check when its outcome lets the referral go (referrals.readiness: a hard stop
needs a medical evaluation that cleared the patient, a "wait" waits), the therapy when it has
ended (completed or stopped), not when it starts. A step the referral cannot pass (declined, not
cleared, cancelled) is marked as such, and the next step then says what the lifecycle
(models.TRANSITIONS) allows: after a decline, choosing another therapist.
"""

from django.utils.translation import gettext_lazy as _

from .models import Referral, Status
from .selectors import part_of

DONE, CURRENT, BLOCKED, STOPPED, TODO = "done", "current", "blocked", "stopped", "todo"

LABELS = {
    "fitness": _("Activity check"),
    "letter": _("Letter"),
    "sent": _("Sent"),
    "intake": _("Intake"),
    "therapy": _("Therapy"),
    "follow_up": _("Follow-up"),
}
#: What the current step waits on, where its label alone would say too little.
CURRENT_NOTES = {
    Status.SENT: _("not yet accepted"),
    Status.IN_THERAPY: _("running"),
}
#: Where the referral may still be changed by the GP (services.EDITABLE_STATUSES).
EDITABLE = (Status.DRAFT, Status.DECLINED)


def fitness_done(referral: Referral) -> bool:
    """The activity check lets the referral go: cleared, or cleared by a medical evaluation.
    A check of the old version stands for a referral that was sent with it (it passed the
    rules of its day); before a (re-)send it must be done again."""
    check = part_of(referral, "fitness_check")
    if check is None:
        return False
    return check.passes or (check.is_old_version and referral.status not in EDITABLE)


def _reached(referral: Referral) -> dict[str, bool]:
    ended = referral.completed_at is not None or referral.stopped_at is not None
    return {
        "fitness": fitness_done(referral),
        "letter": referral.status not in EDITABLE
        or bool(referral.complaint and referral.question and referral.therapist_id),
        "sent": referral.sent_at is not None and referral.status not in EDITABLE,
        "intake": referral.intake_done_at is not None,
        "therapy": ended,
        "follow_up": referral.followed_up_at is not None
        or part_of(referral, "follow_up") is not None,
    }


def _blocked(referral: Referral) -> tuple[str, str] | None:
    """The step the referral stopped at, and why, when it cannot go on the usual way."""
    if referral.status == Status.DECLINED:
        return "sent", _("Declined")
    if referral.status == Status.NOT_CLEARED:
        return "therapy", _("Not cleared")
    if referral.status == Status.CANCELLED:
        return "", _("Cancelled")
    return None


def progress_steps(referral: Referral) -> list[dict]:
    """The progress bar: activity check -> letter -> sent -> intake -> therapy -> follow-up.

    Each step: key, label, state (done, current, blocked, todo) and a short note. The current
    step is the first that is not done, while the referral is open and on its way.
    """
    reached = _reached(referral)
    blocked = _blocked(referral)
    stop_at = blocked[0] if blocked else None
    if blocked and not stop_at:  # cancelled: where it was when it was cancelled
        stop_at = next((key for key in LABELS if not reached[key]), None)
    steps, current_found = [], bool(blocked)
    # A later step is never ticked while an earlier one is not done (found in a try-out: a
    # draft with a hard stop in the activity check had its letter ticked).
    earlier_done = True
    for key, label in LABELS.items():
        note = ""
        if key == stop_at and not reached[key]:
            state, note = BLOCKED, blocked[1]
        elif key == "therapy" and referral.stopped_at and not referral.completed_at:
            # Ended, but not done: stopped early is no tick (found in a try-out).
            state, note = STOPPED, _("stopped early")
        elif reached[key] and (earlier_done or key == "follow_up"):
            # (a follow-up the GP held while the therapy runs is done all the same)
            state = DONE
        elif not current_found:
            state, current_found = CURRENT, True
            note = CURRENT_NOTES.get(referral.status, "")
        else:
            state = TODO
        earlier_done = earlier_done and state == DONE
        steps.append({"key": key, "label": label, "state": state, "note": note})
    return steps


def next_step(referral: Referral, *, role: str) -> str:
    """One sentence: what happens next, and who does it, for the GP or the therapist."""
    gp = role == "gp"
    status = referral.status
    if status == Status.DRAFT:
        if not fitness_done(referral):
            check = part_of(referral, "fitness_check")
            if check is None:
                return _("Next step: do the activity check.")
            return _("Next step: resolve the activity check (%(outcome)s).") % {
                "outcome": check.outcome_label
            }
        return _("Next step: finish the referral and send it.")
    if status == Status.DECLINED:
        return _("The therapist declined: choose another therapist and send again.")
    if status == Status.SENT:
        return (
            _("Next step: the therapist accepts or declines the referral.")
            if gp
            else _("Next step: accept or decline the referral.")
        )
    if status == Status.ACCEPTED:
        return (
            _("Next step: the therapist holds the intake.")
            if gp
            else _("Next step: hold and record the intake.")
        )
    if status == Status.INTAKE_DONE:
        return (
            _("Next step: the therapist does the sports-medical screening.")
            if gp
            else _("Next step: record the sports-medical screening.")
        )
    if status == Status.IN_THERAPY:
        return (
            _(
                "The therapy is running. The therapist reports to you after the intake, after"
                " week 5 and at the end."
            )
            if gp
            else _(
                "The therapy is running: log each session. Close the therapy when the patient"
                " runs on their own (or has dropped out)."
            )
        )
    if status in (Status.COMPLETED, Status.STOPPED):
        if part_of(referral, "follow_up") is not None:
            return _("The follow-up is recorded.")
        return (
            _("Next step: hold the three-month follow-up.")
            if gp
            else _("The therapy has ended. The GP holds the follow-up.")
        )
    if status == Status.NOT_CLEARED:
        return (
            _("The screening did not clear the patient: the referral is back with you.")
            if gp
            else _("The screening did not clear the patient: the referral is back with the GP.")
        )
    if status == Status.FOLLOWED_UP:
        return _("Closed: the follow-up is recorded.")
    return _("Cancelled: nothing more to do.")
