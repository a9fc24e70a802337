"""The therapy's pages in the access log (accounts.audit.registry). Their `pk` is a referral's,
found by the referrals app's own `patient_of`."""

from django.utils.translation import gettext_lazy as _

from accounts import audit


def register() -> None:
    audit.register(
        patient_data={
            "therapy:intake": "intake",
            "therapy:screening": "screening",
            # A letter back to the GP: the part keeps the code the log has always stored.
            "therapy:letter_back": "report",
            "therapy:close": "report",
            "therapy:session_add": "session",
            "therapy:session_group": "session",
            # Corrections: a POST changes the part (the access log's default for a POST).
            "therapy:intake_correct": "intake",
            "therapy:screening_correct": "screening",
            "therapy:questionnaire_correct": "questionnaire",
            "therapy:session_correct": "session",
            "therapy:group_session_correct": "session",
            "therapy:session_withdraw": "session",
            # A saved group names its participants: patient data, of several patients at once
            # (no one patient per URL, as on the group session page).
            "therapy:groups": "session",
            "therapy:group_add": "session",
            "therapy:group_edit": "session",
            "therapy:group_delete": "session",
        },
        creating={
            "therapy:intake",
            "therapy:screening",
            "therapy:letter_back",
            "therapy:close",
            "therapy:session_add",
            "therapy:session_group",
        },
        pk_kind_by_namespace={"therapy": "referral"},
        part_labels={
            "intake": _("intake"),
            "screening": _("screening"),
            "report": _("report"),
            "session": _("session"),
        },
    )
