from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User

from .models import Patient


def patients_visible_to(user: User) -> QuerySet[Patient]:
    """GPs see their practice's patients; therapists the patients referred to them."""
    if user.role == User.Role.GP:
        return Patient.objects.filter(practice_id=user.practice_id)
    if user.role == User.Role.THERAPIST:
        from referrals.selectors import referrals_visible_to

        return Patient.objects.filter(pk__in=referrals_visible_to(user).values("patient_id"))
    return Patient.objects.none()


def patient_for_user(user: User, pk: int) -> Patient:
    """The patient, or 404 when it lies outside what the user may see."""
    return get_object_or_404(patients_visible_to(user), pk=pk)
