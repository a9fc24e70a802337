"""The links' pages in the access log (accounts.audit.registry). The patient's own page writes
its rows itself (services.link_log: the link as the actor, every refused attempt included)."""

from django.utils.translation import gettext_lazy as _

from accounts import audit


def register() -> None:
    audit.register(
        patient_data={"patientlinks:open": "patient_link", "patientlinks:links": "patient_link"},
        creating={"patientlinks:links"},
        # Issuing a link to show answers with the sheet (the token is shown once, never stored).
        post_actions={"patientlinks:links": "create"},
        pk_kind_by_name={"patientlinks:links": "referral"},
        part_labels={"patient_link": _("patient link")},
    )
