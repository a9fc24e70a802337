"""The questionnaire and alert pages in the access log (accounts.audit.registry)."""

from django.utils.translation import gettext_lazy as _

from accounts import audit

from .models import SafetyAlert


def patient_of_alert(pk: int) -> int | None:
    return SafetyAlert.objects.filter(pk=pk).values_list("referral__patient_id", flat=True).first()


def register() -> None:
    audit.register(
        patient_data={"outcomes:enter": "questionnaire", "outcomes:acknowledge": "safety_alert"},
        creating={"outcomes:enter"},
        # outcomes:enter's pk is a referral's (found by the referrals app's patient_of).
        pk_kind_by_name={"outcomes:enter": "referral", "outcomes:acknowledge": "safety_alert"},
        patient_of={"safety_alert": patient_of_alert},
        part_labels={"questionnaire": _("questionnaire"), "safety_alert": _("safety alert")},
    )
