"""The patients' pages in the access log (accounts.audit.registry)."""

from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts.models import AccessLog


def register() -> None:
    audit.register(
        patient_data={
            "patients:list": "patient_search",
            "patients:create": "patient",
            "patients:detail": "patient",
            "patients:correct": "patient",
            "patients:export": "export",
            "patients:erase": "patient",
            "patients:retention": "retention",
        },
        creating={"patients:create"},
        post_actions={
            # The search form is POSTed so a BSN never sits in a URL.
            "patients:list": AccessLog.Action.SEARCH,
            "patients:export": AccessLog.Action.EXPORT,
            "patients:erase": AccessLog.Action.ERASE,
        },
        pk_kind_by_namespace={"patients": "patient"},
        patient_of={"patient": lambda pk: pk},
        part_labels={
            "patient": _("patient"),
            "patient_search": _("patient search"),
            "retention": _("retention review"),
            "export": _("export"),
        },
    )
