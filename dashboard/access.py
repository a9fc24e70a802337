"""The dashboard in the access log's tables: aggregates with small counts suppressed, so no
patient can be picked out."""

from accounts import audit


def register() -> None:
    audit.register(
        no_patient_data={
            "dashboard:page",
            "dashboard:monthly_csv",
            "dashboard:outcomes_csv",
            "dashboard:pdf",
        }
    )
