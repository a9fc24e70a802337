"""What a FHIR client may see: a practice's client its practice's records; a therapist
organisation's client the referrals its therapists may read, by the rule every room's
therapist scope uses (referrals.recipients), and those referrals' patients."""

from django.db.models import QuerySet

from patients.models import Patient
from referrals.models import Referral
from referrals.recipients import readable_by_any

from .models import ApiClient


def referrals_for_client(client: ApiClient) -> QuerySet[Referral]:
    if client.kind == ApiClient.Kind.PRACTICE:
        return Referral.objects.filter(practice_id=client.practice_id)
    therapists = client.therapists.values("pk")
    return Referral.objects.filter(readable_by_any(therapists))


def patients_for_client(client: ApiClient) -> QuerySet[Patient]:
    if client.kind == ApiClient.Kind.PRACTICE:
        return Patient.objects.filter(practice_id=client.practice_id)
    return Patient.objects.filter(pk__in=referrals_for_client(client).values("patient_id"))
