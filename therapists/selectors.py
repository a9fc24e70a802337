from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Practice

from .models import NetworkMembership, Therapist


def therapists_choosable(
    *, practice: Practice, place: str = "", profession: str = ""
) -> QuerySet[Therapist]:
    """Verified therapists: those who accept new patients first, the practice's network first
    among them; those who take no new patients now last (shown, marked, not choosable), so the
    GP sees who is full rather than wondering where they went.

    `place` is a city (prefix, case-insensitive) or a postcode area (leading digits).
    """
    qs = (
        Therapist.objects.filter(is_verified=True)
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
    return qs.order_by("-accepting_new_patients", "-in_network", "city", "user__last_name", "pk")
