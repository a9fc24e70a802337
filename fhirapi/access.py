"""The FHIR interface's URLs in the access log's tables. Its rows are written by the views
(fhirapi.audit: one per patient, naming the client); the middleware writes a row only for a
signed-in user who calls it without a token (refused)."""

from django.utils.translation import gettext_lazy as _

from accounts import audit


def register() -> None:
    audit.register(
        patient_data={"fhirapi:read": "fhir", "fhirapi:search": "fhir"},
        no_patient_data={"fhirapi:metadata", "fhirapi:token"},
        part_labels={"fhir": _("FHIR interface (GP system)")},
    )
