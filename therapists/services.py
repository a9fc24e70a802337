from django.db import transaction
from django.utils import timezone

from accounts.models import Practice, User

from .models import NetworkMembership, Therapist


@transaction.atomic
def therapist_verify(*, therapist: Therapist, by: User) -> Therapist:
    """Record that an administrator checked the therapist's certification."""
    therapist = Therapist.objects.select_for_update().get(pk=therapist.pk)
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
