"""Whose referrals a user's dashboard counts: one place per source (cells, referrals)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Practice, User
from referrals.models import Referral
from referrals.recipients import last_sent_to
from therapists.models import Therapist

from . import counts

# --- Scope --------------------------------------------------------------------------------------


def referrals_for_dashboard(user: User, *, practice: Practice | None = None) -> QuerySet[Referral]:
    """The sent referrals `user` may count. Every report figure and export starts here.

    Practice manager: their practice. GP: the referrals they made. Therapist: the referrals
    whose latest send went to them (referrals.recipients; not those the GP only chose them
    for). Administrator: all practices. `practice` only ever narrows the scope (the
    administrator's practice filter); it never widens anyone's.
    """
    referrals = Referral.objects.filter(sent_at__isnull=False).order_by()
    if user.awaits_practice_confirmation:
        return referrals.none()  # not yet confirmed by a GP of the practice
    if user.role == User.Role.PRACTICE_MANAGER and user.practice_id is not None:
        referrals = referrals.filter(practice_id=user.practice_id)
    elif user.role == User.Role.GP:
        referrals = referrals.filter(gp=user)
    elif user.role == User.Role.THERAPIST:
        referrals = referrals.filter(last_sent_to(user))
    elif user.role != User.Role.ADMIN:
        return referrals.none()
    if practice is not None:
        referrals = referrals.filter(practice=practice)
    return referrals


# --- Reading the pre-aggregated cells -----------------------------------------------------------

#: The scope of a user's reports in the cells: (scope, scope id), or None for nothing.
CellScope = tuple[str, int] | None


def cell_scope(user: User, *, practice: Practice | None = None) -> CellScope:
    """The cells `user` may read: the same scope as `referrals_for_dashboard`, in cell terms."""
    if practice is not None and user.role == User.Role.ADMIN:
        return (counts.PRACTICE, practice.pk)
    if user.role == User.Role.PRACTICE_MANAGER and user.practice_id is not None:
        return (counts.PRACTICE, user.practice_id)
    if user.role == User.Role.GP:
        return (counts.GP, user.pk)
    if user.role == User.Role.THERAPIST:
        therapist = Therapist.objects.filter(user=user).values_list("pk", flat=True).first()
        return (counts.THERAPIST, therapist) if therapist else None
    if user.role == User.Role.ADMIN:
        return (counts.ALL, 0)
    return None
