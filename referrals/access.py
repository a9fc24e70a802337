"""The referrals' pages in the access log (accounts.audit.registry)."""

from django.utils.translation import gettext_lazy as _

from accounts import audit

from .models import Referral


def patient_of_referral(pk: int) -> int | None:
    return Referral.objects.filter(pk=pk).values_list("patient_id", flat=True).first()


def register() -> None:
    audit.register(
        patient_data={
            # The work lists name patients and where their referral stands.
            "referrals:worklist": "worklist",
            "referrals:incoming": "worklist",
            "referrals:past_clients": "worklist",
            "referrals:start": "referral",
            "referrals:detail": "referral",
            "referrals:edit": "referral",
            "referrals:fitness": "fitness_check",
            "referrals:therapist": "referral",
            "referrals:network": "network",
            "referrals:preview": "letter",
            "referrals:send": "referral",
            "referrals:letter": "letter",
            "referrals:information_sheet": "information_sheet",
            "referrals:cancel": "referral",
            "referrals:accept": "referral",
            "referrals:decline": "referral",
            "referrals:follow_up": "follow_up",
            "referrals:follow_up_correct": "follow_up",
            "referrals:document": "report",
            "referrals:addendum": "report",
        },
        creating={"referrals:start", "referrals:follow_up"},
        printing={
            "referrals:preview",
            "referrals:letter",
            "referrals:information_sheet",
            "referrals:document",
            "referrals:addendum",
        },
        pk_kind_by_namespace={"referrals": "referral"},
        patient_of={"referral": patient_of_referral},
        part_labels={
            "worklist": _("work list"),
            "referral": _("referral"),
            "network": _("therapist network"),
            "letter": _("referral letter"),
            "information_sheet": _("information sheet"),
            "fitness_check": _("fitness check"),
            "follow_up": _("follow-up"),
            "report": _("report"),
            "therapist_register": _("therapist register"),
        },
        # The administrator's looks at referrals (their history and reasons) and changes to
        # the therapists' register are rows too (found in an attacker's try-out: neither was).
        admin_parts={
            "admin:referrals_referral_": "referral",
            "admin:therapists_therapist_": "therapist_register",
        },
    )
