"""One module per FHIR resource type; importing them fills fhirapi.registry."""

from . import documents, patient, people, referral, scores  # noqa: F401
