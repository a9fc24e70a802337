"""Who hears of what: the lower rooms' signals turned into e-mail rows.

Each receiver runs inside the transaction of the change it hears of (the signals are sent
there), so the Notification row commits or rolls back with it; delivery is queued after commit.
Each e-mail is keyed by its event, so a decline, a re-send and an acceptance on one day are three
e-mails, not one. Connected in NotificationsConfig.ready.
"""

from accounts.models import User
from outcomes import signals as outcome_signals
from patientlinks import signals as link_signals
from referrals import signals as referral_signals
from referrals.models import Status
from therapy import signals as therapy_signals
from therapy.models import TherapyLetter

from . import patient_mail
from .models import Notification
from .outbox import notify

Kind = Notification.Kind


def referral_sent(*, referral, event, **kwargs) -> None:
    notify(
        referral=referral,
        kind=Kind.NEW_REFERRAL,
        recipient=referral.therapist.user,
        key=f"event-{event.pk}",
    )


def referral_answered(*, referral, event, **kwargs) -> None:
    notify(
        referral=referral,
        kind=Kind.REFERRAL_DECLINED
        if event.to_status == Status.DECLINED
        else Kind.REFERRAL_ANSWERED,
        recipient=referral.gp,
        key=f"event-{event.pk}",
    )


def screening_not_cleared(*, referral, event, **kwargs) -> None:
    notify(referral=referral, kind=Kind.NOT_CLEARED, recipient=referral.gp, key=f"event-{event.pk}")


def letter_sent(*, letter, **kwargs) -> None:
    end = letter.kind == TherapyLetter.Kind.END
    kind = Kind.END_LETTER_READY if end else Kind.LETTER_BACK_READY
    notify(
        referral=letter.referral, kind=kind, recipient=letter.referral.gp, key=f"letter-{letter.pk}"
    )


def addendum_sent(*, document, referral, **kwargs) -> None:
    """A corrected letter back: the referring GP hears that the addendum waits (no detail)."""
    notify(
        referral=referral,
        kind=Kind.ADDENDUM_READY,
        recipient=referral.gp,
        key=f"addendum-{document.pk}",
    )


def _practice_copy(*, referral, kind: str, key: str) -> None:
    """The same e-mail to the practice's own address (accounts.Practice.email), when it has one:
    a GP away today still has colleagues who read it."""
    if referral.practice.email:
        notify(
            referral=referral,
            kind=kind,
            recipient=referral.gp,
            key=f"{key}-practice",
            address=referral.practice.email,
        )


def alert_raised(*, alert, **kwargs) -> None:
    """A safety alert: the referring GP and the practice's address; the therapist too when the
    patient answered through their own link (the therapist did not see it happen)."""
    key = f"alert-{alert.pk}"
    notify(referral=alert.referral, kind=Kind.SAFETY_ALERT, recipient=alert.referral.gp, key=key)
    _practice_copy(referral=alert.referral, kind=Kind.SAFETY_ALERT, key=key)
    if alert.response.entered_by_patient and alert.referral.therapist_id:
        therapist = alert.referral.therapist.user
        notify(referral=alert.referral, kind=Kind.SAFETY_ALERT, recipient=therapist, key=key)


def alert_escalated(*, alert, **kwargs) -> None:
    """Not acknowledged within a working day: every active GP of the practice, and its address."""
    referral = alert.referral
    key = f"alert-{alert.pk}-escalated"
    gps = User.objects.filter(
        role=User.Role.GP, practice_id=referral.practice_id, is_active=True
    ).order_by("pk")
    for gp in gps:
        notify(referral=referral, kind=Kind.SAFETY_ALERT_ESCALATED, recipient=gp, key=key)
    _practice_copy(referral=referral, kind=Kind.SAFETY_ALERT_ESCALATED, key=key)


def deterioration_found(*, response, day, **kwargs) -> None:
    """The GP hears that something waits, never the score. Dated the questionnaire's day with
    no key of its own: the same row as the reminder the sweep derives from it (notifications.due),
    so one deterioration is one e-mail."""
    notify(
        referral=response.referral,
        kind=Kind.DETERIORATION,
        recipient=response.referral.gp,
        due_date=day,
    )


def connect() -> None:
    referral_signals.referral_sent.connect(referral_sent, dispatch_uid="notify_referral_sent")
    referral_signals.referral_answered.connect(
        referral_answered, dispatch_uid="notify_referral_answered"
    )
    therapy_signals.screening_not_cleared.connect(
        screening_not_cleared, dispatch_uid="notify_screening_not_cleared"
    )
    therapy_signals.letter_sent.connect(letter_sent, dispatch_uid="notify_letter_sent")
    therapy_signals.addendum_sent.connect(addendum_sent, dispatch_uid="notify_addendum_sent")
    outcome_signals.alert_raised.connect(alert_raised, dispatch_uid="notify_alert_raised")
    outcome_signals.alert_escalated.connect(alert_escalated, dispatch_uid="notify_alert_escalated")
    link_signals.link_mail_requested.connect(
        patient_mail.link_mail, dispatch_uid="notify_patient_link"
    )
    outcome_signals.deterioration_found.connect(
        deterioration_found, dispatch_uid="notify_deterioration_found"
    )
