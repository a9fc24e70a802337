"""The therapist's own profile in the access log's tables: it shows no patient data."""

from accounts import audit


def register() -> None:
    audit.register(no_patient_data={"therapists:profile"})
