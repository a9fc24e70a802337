from django.db import transaction
from django.utils import timezone

from accounts.models import Practice, User

from .models import NetworkMembership, Therapist

# What the therapist keeps up to date; certification and verification are the administrator's.
PROFILE_FIELDS = [
    "profession",
    "organisation",
    "address",
    "postcode",
    "city",
    "phone",
    "accepting_new_patients",
    "capacity",
    "note_for_gps",
]


@transaction.atomic
def therapist_profile_update(*, therapist: Therapist, data: dict) -> Therapist:
    """The therapist's own changes to their profile: only PROFILE_FIELDS are written, so the
    certificate and the verification stay as the administrator recorded them."""
    current = Therapist.objects.select_for_update().get(pk=therapist.pk)
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(current, name, data[name])
    if not current.accepting_new_patients:
        current.capacity = None
    current.full_clean(exclude=["user", "verified_by"])
    current.save(update_fields=PROFILE_FIELDS)
    return current


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
