"""What waits on one user: their due items and the open safety alerts they must see. The
header badge and the homes read it once per request."""

from dataclasses import dataclass

from accounts.models import User
from outcomes.alerts import alerts_open_for_gp, alerts_open_for_therapist
from outcomes.models import SafetyAlert

from .due import DueItem, due_items, for_display


@dataclass(frozen=True)
class DueSummary:
    """What waits on one user: due items (one line per loose end) and open alerts (a GP: every
    open alert of the practice; a therapist: those on the referrals in their care)."""

    items: list[DueItem]
    alerts: list[SafetyAlert]

    @property
    def count(self) -> int:
        """The header badge."""
        return len(self.items) + len(self.alerts)


def due_summary_for(user: User) -> DueSummary:
    """Due items and open safety alerts of a GP or a therapist; nothing for other roles."""
    if user.role == User.Role.GP:
        return DueSummary(for_display(due_items(gp=user)), alerts_open_for_gp(user))
    if user.role == User.Role.THERAPIST:
        return DueSummary(for_display(due_items(therapist=user)), alerts_open_for_therapist(user))
    return DueSummary([], [])


def due_summary(request) -> DueSummary:
    """`due_summary_for(request.user)`, computed once per request: the header badge and the
    homes' lists of due items and alerts share it."""
    summary = getattr(request, "_due_summary", None)
    if summary is None:
        summary = request._due_summary = due_summary_for(request.user)
    return summary
