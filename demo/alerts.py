"""The demo's safety alerts (demo.data.ALERTS): one open and escalated, one acknowledged with
the note of what was done; each with the e-mail rows the outbox sent at the time."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from outcomes.alerts import escalation_due
from outcomes.models import QuestionnaireResponse, SafetyAlert
from referrals.models import Referral

Kind = Notification.Kind


def _sent(referral: Referral, kind: str, recipient: User, key: str, day, address: str = "") -> None:
    Notification.objects.create(
        referral=referral,
        kind=kind,
        due_date=day,
        recipient=recipient,
        key=key,
        address=address,
        attempts=1,
        sent_at=timezone.now(),
    )


def demo_alert(referral: Referral, response: QuestionnaireResponse, code: str, plan) -> None:
    """The alert the therapist's entry raised, as it went on: escalated or acknowledged."""
    raised = datetime.combine(
        response.completed_on, time(11, 0), tzinfo=timezone.get_default_timezone()
    )
    alert = SafetyAlert.objects.create(referral=referral, response=response, code=code)
    changes = {"raised_at": raised}
    key, practice = f"alert-{alert.pk}", referral.practice
    # The referring GP and the practice's address were e-mailed at the time.
    _sent(referral, Kind.SAFETY_ALERT, referral.gp, key, raised.date())
    _sent(
        referral, Kind.SAFETY_ALERT, referral.gp, f"{key}-practice", raised.date(), practice.email
    )
    if plan and plan.get("escalated"):
        changes["escalated_at"] = escalation_due(raised)
        day = timezone.localdate(changes["escalated_at"])
        for gp in User.objects.filter(role=User.Role.GP, practice=practice).order_by("pk"):
            _sent(referral, Kind.SAFETY_ALERT_ESCALATED, gp, f"{key}-escalated", day)
        _sent(
            referral,
            Kind.SAFETY_ALERT_ESCALATED,
            referral.gp,
            f"{key}-escalated-practice",
            day,
            practice.email,
        )
    if plan and plan.get("acknowledged_by"):
        changes["acknowledged_by"] = User.objects.get(email=plan["acknowledged_by"])
        changes["acknowledged_at"] = raised + timedelta(hours=2)
        changes["acknowledgement_note"] = plan["note"]
    SafetyAlert.objects.filter(pk=alert.pk).update(**changes)
