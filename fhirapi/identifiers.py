"""The Dutch identifier systems (Nictiz nl-core, the NamingSystems of fhir.nl) and the
profiles the resources claim."""

BSN = "http://fhir.nl/fhir/NamingSystem/bsn"
AGB = "http://fhir.nl/fhir/NamingSystem/agb-z"
BIG = "http://fhir.nl/fhir/NamingSystem/big"
URA = "http://fhir.nl/fhir/NamingSystem/ura"
#: Loopbaan's own ids (the therapist's certificate of the running-therapy register).
LOCAL = "urn:loopbaan:fhir"
THERAPIST_CERTIFICATE = f"{LOCAL}:running-therapist-certificate"

NL_CORE = "http://nictiz.nl/fhir/StructureDefinition/"
PROFILE_PATIENT = NL_CORE + "nl-core-Patient"
PROFILE_PRACTITIONER = NL_CORE + "nl-core-HealthProfessional-Practitioner"
PROFILE_PRACTITIONER_ROLE = NL_CORE + "nl-core-HealthProfessional-PractitionerRole"
PROFILE_ORGANIZATION = NL_CORE + "nl-core-HealthcareProvider-Organization"

# HumanName parts as nl-core writes a Dutch surname: the family name whole, and its prefix
# (voorvoegsel, "van der") and own name apart (HL7's core extensions).
OWN_PREFIX = "http://hl7.org/fhir/StructureDefinition/humanname-own-prefix"
OWN_NAME = "http://hl7.org/fhir/StructureDefinition/humanname-own-name"
EN_QUALIFIER = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier"


def reference(resource_type: str, resource_id, display: str = "") -> dict:
    ref = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        ref["display"] = display
    return ref


def meta(updated, profile: str = "") -> dict:
    result = {"lastUpdated": updated.isoformat()}
    if profile:
        result["profile"] = [profile]
    return result


def family_name(prefix: str, own: str) -> dict:
    """{'family': 'van der Berg', '_family': the own-prefix and own-name parts}."""
    parts = [{"url": OWN_NAME, "valueString": own}]
    if prefix:
        parts.insert(0, {"url": OWN_PREFIX, "valueString": prefix})
    return {
        "family": " ".join(p for p in (prefix, own) if p),
        "_family": {"extension": parts},
    }
