"""Every write to a referral that carries a rule. Only this module changes `Referral.status`."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .exceptions import InvalidTransition
from .models import STATUS_TIMESTAMP, TRANSITIONS, Referral, ReferralEvent


def referral_transition(
    *, referral: Referral, to: str, by: User | None, note: str = "", **changes
) -> Referral:
    """Move a referral to `to` if the lifecycle allows it, recording who, when and why.

    Re-reads the row under a lock so two concurrent moves cannot both pass the check.
    `changes` are extra fields set in the same save (a reason, a therapist).
    """
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if to not in TRANSITIONS[locked.status]:
            raise InvalidTransition(f"A referral cannot go from {locked.status} to {to}.")
        from_status = locked.status
        now = timezone.now()
        locked.status = to
        fields = ["status", "updated_at", *changes]
        if to in STATUS_TIMESTAMP:
            setattr(locked, STATUS_TIMESTAMP[to], now)
            fields.append(STATUS_TIMESTAMP[to])
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=fields)
        ReferralEvent.objects.create(
            referral=locked, from_status=from_status, to_status=to, actor=by, note=note
        )
    return locked
