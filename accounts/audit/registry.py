"""What each URL of the project shows of a patient's record: the tables the access log reads.

accounts knows no other app, so each app fills these in for its own URL names from its
AppConfig.ready (`register(...)`), and says how the `pk` of its URLs leads to a patient
(`patient_of`). tests/test_access_log.py fails when a URL name is in none of the tables.
"""

from collections.abc import Callable, Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..models import AccessLog

Action = AccessLog.Action

# url name -> the part of the patient record it shows or changes.
PATIENT_DATA: dict[str, str] = {}
# URLs that show no patient data: sign-in, language, health check, aggregates, staff pages.
NO_PATIENT_DATA: set[str] = set()
# POSTs to these URLs create a part of the record; a POST anywhere else changes one.
CREATING: set[str] = set()
# URLs whose own action on POST is not a create or change.
POST_ACTIONS: dict[str, str] = {}
# URLs that answer with a PDF: downloading one is printing.
PRINTING: set[str] = set()
# What the `pk` of a URL points at, by URL name, else by namespace.
PK_KIND_BY_NAME: dict[str, str] = {}
PK_KIND_BY_NAMESPACE: dict[str, str] = {}
# pk kind -> a function from such a pk to its patient's id (None when there is no such row).
PATIENT_OF: dict[str, Callable[[int], int | None]] = {}
# Admin URL names (by prefix, e.g. "admin:accounts_user_") -> the part every request to them
# is logged as, whether or not it shows patient data: the administrator's looks at users.
ADMIN_PARTS: dict[str, str] = {}
# part -> its label in the patient's "who looked" list.
PART_LABELS: dict[str, str | Promise] = {}


def register(
    *,
    patient_data: dict[str, str] | None = None,
    no_patient_data: Iterable[str] = (),
    creating: Iterable[str] = (),
    post_actions: dict[str, str] | None = None,
    printing: Iterable[str] = (),
    pk_kind_by_name: dict[str, str] | None = None,
    pk_kind_by_namespace: dict[str, str] | None = None,
    patient_of: dict[str, Callable[[int], int | None]] | None = None,
    part_labels: dict[str, str | Promise] | None = None,
    admin_parts: dict[str, str] | None = None,
) -> None:
    """Add an app's URL names to the tables. Registering the same thing twice is harmless."""
    PATIENT_DATA.update(patient_data or {})
    NO_PATIENT_DATA.update(no_patient_data)
    CREATING.update(creating)
    POST_ACTIONS.update(post_actions or {})
    PRINTING.update(printing)
    PK_KIND_BY_NAME.update(pk_kind_by_name or {})
    PK_KIND_BY_NAMESPACE.update(pk_kind_by_namespace or {})
    PATIENT_OF.update(patient_of or {})
    PART_LABELS.update(part_labels or {})
    ADMIN_PARTS.update(admin_parts or {})


def admin_part(url_name: str) -> str | None:
    """The part an admin URL is logged as, or None when the admin's request is not logged."""
    for prefix, part in ADMIN_PARTS.items():
        if url_name.startswith(prefix):
            return part
    return None


def register_accounts() -> None:
    """accounts' own pages: none shows patient data."""
    register(
        no_patient_data={
            "home",
            "healthz",
            "set_language",
            "accounts:login",
            "accounts:logout",
            "accounts:two_factor_verify",
            "accounts:two_factor_setup",
            "accounts:password_change",
            "accounts:password_change_done",
            "accounts:password_reset_confirm",
            "accounts:password_reset_complete",
            "accounts:enrol",
            "accounts:enrolment_pending",
            "accounts:passkeys",
            "accounts:passkey_name",
            "accounts:passkey_remove",
            "accounts:colleagues",
            "accounts:colleague_confirm",
            "accounts:colleague_refuse",
            "otp_webauthn:credential-registration-begin",
            "otp_webauthn:credential-registration-complete",
            "otp_webauthn:credential-authentication-begin",
            "otp_webauthn:credential-authentication-complete",
            "otp_webauthn:js-i18n-catalog",
        },
        part_labels={
            "access_log": _("access log"),
            "user": _("user account"),
            "two_factor": _("two-factor sign-in"),
            "sign_in_records": _("sign-in records"),
        },
        # Users (their change page, history, the set-password URL that refuses) and their
        # devices (not in the admin at all; logged should anyone register them again).
        admin_parts={
            "admin:accounts_user_": "user",
            "admin:auth_user_password_change": "user",
            "admin:otp_totp_": "two_factor",
            "admin:otp_static_": "two_factor",
            "admin:django_otp_webauthn_": "two_factor",
            "admin:axes_": "sign_in_records",
        },
    )
