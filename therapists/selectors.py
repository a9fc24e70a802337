from decimal import Decimal

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum

from accounts.models import Practice, User
from referrals.models import Referral, Status
from referrals.selectors import referrals_visible_to

from .models import NetworkMembership, Therapist, TherapySession


def therapists_choosable(
    *, practice: Practice, place: str = "", profession: str = ""
) -> QuerySet[Therapist]:
    """Verified therapists who accept new patients; the practice's network first.

    `place` is a city (prefix, case-insensitive) or a postcode area (leading digits).
    """
    qs = (
        Therapist.objects.filter(is_verified=True, accepting_new_patients=True)
        .select_related("user")
        .annotate(
            in_network=Exists(
                NetworkMembership.objects.filter(practice=practice, therapist=OuterRef("pk"))
            )
        )
    )
    place = place.strip()
    if place.isdigit():
        qs = qs.filter(postcode__startswith=place)
    elif place:
        qs = qs.filter(city__istartswith=place)
    if profession:
        qs = qs.filter(profession=profession)
    return qs.order_by("-in_network", "city", "user__last_name", "pk")


def referrals_in_therapy(*, user: User) -> QuerySet[Referral]:
    """The therapist's patients in therapy now, for a group session: by surname."""
    return (
        referrals_visible_to(user)
        .filter(status=Status.IN_THERAPY)
        .order_by("patient__surname", "patient__initials", "pk")
    )


def session_summary(referral: Referral, sessions: list[TherapySession] | None = None) -> dict:
    """Attendance counts and running totals of one referral's sessions, in one query.

    Minutes and distance count attended sessions only; `last_date` is the latest session of any
    attendance. With the referral's `sessions` already read, no query at all.
    """
    if sessions is not None:
        return _summary_of(sessions)
    attended = Q(attendance=TherapySession.Attendance.ATTENDED)
    summary = TherapySession.objects.filter(referral=referral).aggregate(
        total=Count("pk"),
        attended=Count("pk", filter=attended),
        no_show=Count("pk", filter=Q(attendance=TherapySession.Attendance.NO_SHOW)),
        cancelled=Count("pk", filter=Q(attendance=TherapySession.Attendance.CANCELLED)),
        minutes_running=Sum("minutes_running", filter=attended),
        minutes_walking=Sum("minutes_walking", filter=attended),
        distance_km=Sum("distance_km", filter=attended),
        last_date=Max("date"),
    )
    summary["minutes_running"] = summary["minutes_running"] or 0
    summary["minutes_walking"] = summary["minutes_walking"] or 0
    summary["distance_km"] = summary["distance_km"] or Decimal("0")
    return summary


def _summary_of(sessions: list[TherapySession]) -> dict:
    """`session_summary` computed from the rows themselves."""
    attended = [s for s in sessions if s.attendance == TherapySession.Attendance.ATTENDED]
    return {
        "total": len(sessions),
        "attended": len(attended),
        "no_show": sum(s.attendance == TherapySession.Attendance.NO_SHOW for s in sessions),
        "cancelled": sum(s.attendance == TherapySession.Attendance.CANCELLED for s in sessions),
        "minutes_running": sum(s.minutes_running or 0 for s in attended),
        "minutes_walking": sum(s.minutes_walking or 0 for s in attended),
        "distance_km": sum((s.distance_km or Decimal("0") for s in attended), Decimal("0")),
        "last_date": max((s.date for s in sessions), default=None),
    }
