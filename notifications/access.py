"""The reminder runs in the access log's tables: a staff page without patient data."""

from accounts import audit


def register() -> None:
    audit.register(no_patient_data={"notifications:reminder_runs"})
