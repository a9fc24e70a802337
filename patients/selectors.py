from collections.abc import Callable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User

from .models import Patient

#: Role -> the patients a user of that role may see, for roles whose access follows from
#: another app's records. referrals registers the therapist's (the patients referred to them).
PATIENT_SCOPES: dict[str, Callable[[User], QuerySet[Patient]]] = {}


def patients_visible_to(user: User) -> QuerySet[Patient]:
    """GPs see their practice's patients; other roles what their registered scope gives."""
    if user.awaits_practice_confirmation:
        return Patient.objects.none()  # not yet confirmed by a GP of the practice
    if user.role == User.Role.GP:
        return Patient.objects.filter(practice_id=user.practice_id)
    scope = PATIENT_SCOPES.get(user.role)
    return scope(user) if scope else Patient.objects.none()


def patient_for_user(user: User, pk: int) -> Patient:
    """The patient, or 404 when it lies outside what the user may see."""
    return get_object_or_404(patients_visible_to(user), pk=pk)
