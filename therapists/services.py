from django.db import transaction
from django.utils import timezone

from accounts.models import Practice, User

from .models import NetworkMembership, Therapist


def verifiable(therapist: Therapist, *, by: User) -> bool:
    user = therapist.user
    return (
        user.role == User.Role.THERAPIST
        and not (user.is_staff or user.is_superuser)
        and user.pk != by.pk
    )


@transaction.atomic
def therapist_verify(*, therapist: Therapist, by: User) -> Therapist:
    """Record that an administrator checked the therapist's certification."""
    therapist = (
        Therapist.objects.select_related("user")
        .select_for_update(of=("self",))
        .get(pk=therapist.pk)
    )
    if not verifiable(therapist, by=by):
        return therapist  # never a profile on a non-therapist's account, nor on one's own
    if not therapist.is_verified:
        therapist.is_verified = True
        therapist.verified_by = by
        therapist.verified_at = timezone.now()
        therapist.save(update_fields=["is_verified", "verified_by", "verified_at"])
    return therapist


def network_toggle(*, practice: Practice, therapist: Therapist, by: User) -> bool:
    """Add the therapist to the practice's network, or take them out; True when now in it."""
    deleted, _rows = NetworkMembership.objects.filter(
        practice=practice, therapist=therapist
    ).delete()
    if deleted:
        return False
    NetworkMembership.objects.get_or_create(
        practice=practice, therapist=therapist, defaults={"added_by": by}
    )
    return True
