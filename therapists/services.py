from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import Therapist


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
