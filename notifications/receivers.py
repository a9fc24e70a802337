"""Who hears of what: the lower rooms' signals turned into e-mail rows.

Each receiver runs inside the transaction of the change it hears of (the signals are sent
there), so the Notification row commits or rolls back with it; delivery is queued after commit.
Each e-mail is keyed by its event, so a decline, a re-send and an acceptance on one day are three
e-mails, not one. Connected in NotificationsConfig.ready.
"""

from outcomes import signals as outcome_signals
from referrals import signals as referral_signals
from therapy import signals as therapy_signals
from therapy.models import TherapyLetter

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
        kind=Kind.REFERRAL_ANSWERED,
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


def alert_raised(*, alert, **kwargs) -> None:
    notify(
        referral=alert.referral,
        kind=Kind.SAFETY_ALERT,
        recipient=alert.referral.gp,
        key=f"alert-{alert.pk}",
    )


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
    outcome_signals.alert_raised.connect(alert_raised, dispatch_uid="notify_alert_raised")
    outcome_signals.deterioration_found.connect(
        deterioration_found, dispatch_uid="notify_deterioration_found"
    )
