"""One module per FHIR resource type; importing them fills fhirapi.registry."""

from . import patient  # noqa: F401
