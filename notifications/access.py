"""The reminder runs in the access log's tables: staff pages without patient data."""

from accounts import audit


def register() -> None:
    audit.register(no_patient_data={"notifications:reminder_runs", "notifications:resend"})
