"""The safety alert after it is raised: what it says, who sees it, and its escalation.

An alert belongs to the patient's practice: every GP of the practice sees it open on their home
and in the header badge (marked with the referring GP's name), the patient's running therapist
on their caseload. Not acknowledged within ESCALATE_AFTER_WORKING_DAYS working day it escalates:
`alerts_escalate` (run by the outbox flush and the daily sweep, notifications.tasks) marks it
with a conditional UPDATE, so of two sweeps at the same moment exactly one escalates it, and
sends `signals.alert_escalated`, on which notifications writes one e-mail row per GP of the
practice and one to the practice's address (each with the key "alert-<id>-escalated...").
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from referrals.schedule import add_working_days
from referrals.selectors import referrals_in_care_of

from . import signals
from .instruments import ALERT_LABELS, INSTRUMENTS
from .models import SafetyAlert

#: An alert open this many working days (Dutch public holidays skipped) escalates.
ESCALATE_AFTER_WORKING_DAYS = 1


def describe(alerts) -> list[SafetyAlert]:
    """Give each alert its `label` and `answer`: the answer given on the alerting item, in words
    ("More than half the days"), as the patient ticked it. Needs `response` loaded."""
    alerts = list(alerts)
    for alert in alerts:
        alert.label = ALERT_LABELS.get(alert.code, alert.code)
        alert.answer = ""
        instrument = INSTRUMENTS.get(alert.response.instrument)
        for rule in instrument.alert_rules if instrument else ():
            if rule.code == alert.code and rule.item_index < len(alert.response.answers):
                value = alert.response.answers[rule.item_index]
                if 0 <= value < len(instrument.options):
                    alert.answer = instrument.options[value]
    return alerts


def _open() -> QuerySet[SafetyAlert]:
    return (
        SafetyAlert.objects.filter(acknowledged_at=None)
        .select_related("referral__patient", "referral__gp", "response")
        # The longest waiting first: an escalated alert is never below a newer one.
        .order_by("raised_at", "pk")
    )


def alerts_open_for_gp(user: User) -> list[SafetyAlert]:
    """Every unacknowledged alert of the GP's practice, newest first, described: each GP of the
    practice sees them all (the page marks whose referral it is). One query."""
    if user.role != User.Role.GP or user.practice_id is None:
        return []
    return describe(_open().filter(referral__practice_id=user.practice_id))


def alerts_open_for_therapist(user: User) -> list[SafetyAlert]:
    """Unacknowledged alerts on the referrals in the therapist's care now, described. One query."""
    if user.role != User.Role.THERAPIST:
        return []
    return describe(_open().filter(referral__in=referrals_in_care_of(user).values("pk")))


def escalation_due(raised_at: datetime) -> datetime:
    """When an alert raised at `raised_at` escalates: the same time of day (Europe/Amsterdam),
    one working day on. Raised on Friday 10:00, it escalates on Monday 10:00; raised on the
    Friday before Christmas Day 2026 (a Friday), on Monday 28 December."""
    local = timezone.localtime(raised_at)
    day = add_working_days(local.date(), ESCALATE_AFTER_WORKING_DAYS)
    return datetime.combine(day, local.time(), tzinfo=local.tzinfo)


def alerts_escalate(*, now: datetime | None = None) -> list[SafetyAlert]:
    """Escalate every open alert whose working day has passed; the alerts this call escalated.

    Each alert is marked by `UPDATE ... WHERE escalated_at IS NULL AND acknowledged_at IS NULL`
    in its own transaction, together with its e-mail rows (the signal's receivers). A second
    sweep at the same moment blocks on the row lock of the first's UPDATE until that commits,
    then finds the condition false and updates nothing: the e-mails go once.
    """
    now = now or timezone.now()
    # No alert escalates before a whole day has passed: the index on acknowledged_at and this
    # bound leave only the few candidates, whose working day is checked one by one.
    candidates = (
        SafetyAlert.objects.filter(
            acknowledged_at=None, escalated_at=None, raised_at__lte=now - timedelta(days=1)
        )
        .select_related("referral__practice", "referral__gp")
        .order_by("pk")
    )
    escalated = []
    for alert in candidates:
        if escalation_due(alert.raised_at) > now:
            continue
        with transaction.atomic():
            marked = SafetyAlert.objects.filter(
                pk=alert.pk, acknowledged_at=None, escalated_at=None
            ).update(escalated_at=now)
            if marked:
                alert.escalated_at = now
                signals.alert_escalated.send(sender=SafetyAlert, alert=alert)
                escalated.append(alert)
    return escalated
