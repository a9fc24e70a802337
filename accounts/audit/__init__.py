"""The access log (NEN 7513): which pages touch patient data, and the middleware that logs them.

Every URL name of the project is either in PATIENT_DATA (with the part of the record it shows) or
in NO_PATIENT_DATA; each app registers its own (registry.register, from its AppConfig.ready), and
tests/test_access_log.py fails when a new URL is in neither. After the view
has run, AccessLogMiddleware writes one AccessLog row for each request of a signed-in user to a
PATIENT_DATA URL, refused attempts (403, 404) included. Anonymous requests are not logged: they
are sent to the sign-in page before any view runs. The log holds the URL name, never the path or
query string, and never a BSN or a name.

A view that refuses a POST by a rule calls `refuse(request, message)` (shown as a warning, logged
as refused); a POST answered with the form again (errors) is logged as invalid. Neither is ever
logged as a write. A view that writes the row for its own request (the erasure, inside its
transaction; a group session, one row per patient) calls `mark_logged(request)` so the
middleware doesn't write a second one.
"""

from .log import (
    access_log_for_patient,
    access_log_for_request,
    access_log_write,
    action_for,
    client_address,
    mark_logged,
    note_patient,
    outcome_for,
    patient_id_for,
    pk_kind,
    redirect_patient_id,
    refuse,
    request_outcome,
)
from .middleware import AccessLogMiddleware
from .registry import (
    ADMIN_PARTS,
    CREATING,
    NO_PATIENT_DATA,
    PART_LABELS,
    PATIENT_DATA,
    PATIENT_OF,
    PK_KIND_BY_NAME,
    PK_KIND_BY_NAMESPACE,
    POST_ACTIONS,
    PRINTING,
    register,
)

__all__ = [
    "ADMIN_PARTS",
    "CREATING",
    "NO_PATIENT_DATA",
    "PART_LABELS",
    "PATIENT_DATA",
    "PATIENT_OF",
    "PRINTING",
    "PK_KIND_BY_NAME",
    "PK_KIND_BY_NAMESPACE",
    "POST_ACTIONS",
    "AccessLogMiddleware",
    "access_log_for_patient",
    "access_log_for_request",
    "access_log_write",
    "action_for",
    "client_address",
    "mark_logged",
    "note_patient",
    "outcome_for",
    "patient_id_for",
    "pk_kind",
    "redirect_patient_id",
    "refuse",
    "register",
    "request_outcome",
]
