"""Practitioner, PractitionerRole (nl-core-HealthProfessional) and Organization
(nl-core-HealthcareProvider): the GPs and the practice, the running therapists.

A Practitioner is a user: a GP (AGB and BIG from their GP details) or a running therapist
(their certificate of the register; the register holds no AGB or BIG). A client sees the GPs of
its practice and the therapists its referrals were sent to; a therapist organisation's client
its therapists and the GPs and practices of the referrals sent to them."""

from django.db.models import Q, QuerySet

from accounts.models import Practice, User
from referrals.models import ReferralRecipient

from ..identifiers import (
    AGB,
    BIG,
    PROFILE_ORGANIZATION,
    PROFILE_PRACTITIONER,
    PROFILE_PRACTITIONER_ROLE,
    THERAPIST_CERTIFICATE,
    family_name,
    reference,
)
from ..models import ApiClient
from ..registry import ResourceType, SearchParam, register
from ..scope import referrals_for_client
from ..search import token

ROLE_GP = {
    "system": "urn:oid:2.16.840.1.113883.2.4.15.111",
    "code": "01.015",
    "display": "Huisarts",
}


def practitioners_for_client(client: ApiClient) -> QuerySet[User]:
    referrals = referrals_for_client(client)
    sent_to = ReferralRecipient.objects.filter(referral__in=referrals).values("therapist__user_id")
    seen = Q(pk__in=sent_to) | Q(pk__in=referrals.values("gp_id"))
    if client.kind == ApiClient.Kind.PRACTICE:
        seen |= Q(role=User.Role.GP, practice_id=client.practice_id)
    else:
        seen |= Q(pk__in=client.therapists.values("user_id"))
    return (
        User.objects.filter(seen, role__in=[User.Role.GP, User.Role.THERAPIST])
        .select_related("gp_profile", "therapist", "practice")
        .order_by("pk")
    )


def _identifiers(user: User) -> list[dict]:
    profile = getattr(user, "gp_profile", None) if user.role == User.Role.GP else None
    if profile is not None:
        return [
            {"use": "official", "system": AGB, "value": profile.agb_code},
            {"use": "official", "system": BIG, "value": profile.big_number},
        ]
    therapist = getattr(user, "therapist", None)
    if therapist is not None:
        return [{"system": THERAPIST_CERTIFICATE, "value": therapist.certificate_number}]
    return []


def practitioner_resource(user: User, base: str) -> dict:
    name = {"use": "official", **family_name("", user.last_name or user.email)}
    if user.first_name:
        name["given"] = [user.first_name]
    resource = {
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "meta": {"profile": [PROFILE_PRACTITIONER]},
        "active": user.is_active,
        "name": [name],
    }
    if identifiers := _identifiers(user):
        resource["identifier"] = identifiers
    return resource


def practitioner_role_resource(user: User, base: str) -> dict:
    resource = {
        "resourceType": "PractitionerRole",
        "id": str(user.pk),
        "meta": {"profile": [PROFILE_PRACTITIONER_ROLE]},
        "active": user.is_active,
        "practitioner": reference("Practitioner", user.pk, user.get_full_name()),
    }
    if identifiers := _identifiers(user):
        resource["identifier"] = identifiers
    if user.role == User.Role.GP and user.practice_id:
        resource["organization"] = reference("Organization", user.practice_id, user.practice.name)
        resource["code"] = [{"coding": [ROLE_GP], "text": "Huisarts"}]
    therapist = getattr(user, "therapist", None) if user.role == User.Role.THERAPIST else None
    if therapist is not None:
        resource["organization"] = {"display": therapist.organisation}
        resource["code"] = [{"text": "Runningtherapeut"}]
        resource["specialty"] = [{"text": therapist.get_profession_display()}]
        if therapist.phone:
            resource["telecom"] = [{"system": "phone", "value": therapist.phone, "use": "work"}]
    return resource


def by_identifier(queryset: QuerySet, value: str) -> QuerySet:
    system, code = token(value)
    if system == AGB:
        return queryset.filter(gp_profile__agb_code=code)
    if system == BIG:
        return queryset.filter(gp_profile__big_number=code)
    if system == THERAPIST_CERTIFICATE:
        return queryset.filter(therapist__certificate_number=code)
    if system is None:
        return queryset.filter(
            Q(gp_profile__agb_code=code)
            | Q(gp_profile__big_number=code)
            | Q(therapist__certificate_number=code)
        )
    return queryset.none()


IDENTIFIER = SearchParam(
    "identifier", "token", f"AGB ({AGB}) or BIG ({BIG}) of a GP", by_identifier
)

register(
    ResourceType(
        name="Practitioner",
        rows=practitioners_for_client,
        to_fhir=practitioner_resource,
        patient_id=lambda user: None,
        part="",
        profile=PROFILE_PRACTITIONER,
        search_params=(IDENTIFIER,),
        last_updated="date_joined",
    )
)
register(
    ResourceType(
        name="PractitionerRole",
        rows=practitioners_for_client,
        to_fhir=practitioner_role_resource,
        patient_id=lambda user: None,
        part="",
        profile=PROFILE_PRACTITIONER_ROLE,
        search_params=(IDENTIFIER,),
        last_updated="date_joined",
    )
)


def organizations_for_client(client: ApiClient) -> QuerySet[Practice]:
    if client.kind == ApiClient.Kind.PRACTICE:
        return Practice.objects.filter(pk=client.practice_id)
    return Practice.objects.filter(pk__in=referrals_for_client(client).values("practice_id"))


def organization_resource(practice: Practice, base: str) -> dict:
    resource = {
        "resourceType": "Organization",
        "id": str(practice.pk),
        "meta": {"profile": [PROFILE_ORGANIZATION]},
        # The practice's AGB code; the register has no URA for it (docs/fhir.md).
        "identifier": [{"use": "official", "system": AGB, "value": practice.agb_code}],
        "active": True,
        "type": [{"text": "Huisartspraktijk"}],
        "name": practice.name,
        "address": [
            {
                "use": "work",
                "line": [practice.address],
                "postalCode": practice.postcode,
                "city": practice.city,
                "country": "NL",
            }
        ],
    }
    telecom = (
        [{"system": "phone", "value": practice.phone, "use": "work"}] if practice.phone else []
    )
    if practice.email:
        telecom.append({"system": "email", "value": practice.email, "use": "work"})
    if telecom:
        resource["telecom"] = telecom
    return resource


def organization_by_identifier(queryset: QuerySet, value: str) -> QuerySet:
    system, code = token(value)
    return queryset.filter(agb_code=code) if system in (None, AGB) else queryset.none()


register(
    ResourceType(
        name="Organization",
        rows=organizations_for_client,
        to_fhir=organization_resource,
        patient_id=lambda practice: None,
        part="",
        profile=PROFILE_ORGANIZATION,
        search_params=(
            SearchParam(
                "identifier",
                "token",
                f"The practice's AGB code ({AGB})",
                organization_by_identifier,
            ),
        ),
        last_updated="",
    )
)
