"""Patient (nl-core-Patient): BSN, the name with its tussenvoegsel, birth date, gender,
telecom, address."""

from django.db.models import QuerySet

from patients.models import Patient

from ..identifiers import BSN, EN_QUALIFIER, PROFILE_PATIENT, family_name, meta
from ..registry import ResourceType, SearchError, SearchParam, register
from ..scope import patients_for_client
from ..search import token

GENDER = {"female": "female", "male": "male", "other": "unknown"}


def patient_resource(patient: Patient, base: str) -> dict:
    name = {"use": "official", **family_name(patient.tussenvoegsel, patient.surname)}
    given, qualifiers = [], []
    if patient.first_name:
        given.append(patient.first_name)
        qualifiers.append({"extension": [{"url": EN_QUALIFIER, "valueCode": "BR"}]})
    if patient.initials:
        given.append(patient.initials)
        qualifiers.append({"extension": [{"url": EN_QUALIFIER, "valueCode": "IN"}]})
    if given:
        name["given"], name["_given"] = given, qualifiers
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": meta(patient.updated_at, PROFILE_PATIENT),
        "identifier": [{"use": "official", "system": BSN, "value": patient.bsn}],
        "name": [name],
        "gender": GENDER.get(patient.sex, "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
        "managingOrganization": {"reference": f"Organization/{patient.practice_id}"},
    }
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone, "use": "home"})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email, "use": "home"})
    if telecom:
        resource["telecom"] = telecom
    if patient.address or patient.postcode or patient.city:
        address = {"use": "home", "type": "physical", "country": "NL"}
        if patient.address:
            address["line"] = [patient.address]
        if patient.postcode:
            address["postalCode"] = patient.postcode
        if patient.city:
            address["city"] = patient.city
        resource["address"] = [address]
    return resource


def by_identifier(queryset: QuerySet, value: str) -> QuerySet:
    system, code = token(value)
    if system not in (None, BSN):
        return queryset.none()  # only BSNs are known here
    if not code:
        raise SearchError("identifier needs a value: http://fhir.nl/fhir/NamingSystem/bsn|<BSN>")
    return queryset.filter(bsn=code)


def by_birthdate(queryset: QuerySet, value: str) -> QuerySet:
    from django.utils.dateparse import parse_date

    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise SearchError(f"birthdate: {value!r} is not a date (YYYY-MM-DD)")
    return queryset.filter(date_of_birth=day)


register(
    ResourceType(
        name="Patient",
        rows=patients_for_client,
        to_fhir=patient_resource,
        patient_id=lambda patient: patient.pk,
        part="patient",
        profile=PROFILE_PATIENT,
        search_params=(
            SearchParam("identifier", "token", "The BSN: " + BSN + "|<BSN>", by_identifier),
            SearchParam("birthdate", "date", "The date of birth (YYYY-MM-DD)", by_birthdate),
        ),
    )
)
