"""The access log (NEN 7513): which pages touch patient data, and the middleware that logs them.

Every URL name of the project is either in PATIENT_DATA (with the part of the record it shows) or
in NO_PATIENT_DATA; tests/test_access_log.py fails when a new URL is in neither. After the view
has run, AccessLogMiddleware writes one AccessLog row for each request of a signed-in user to a
PATIENT_DATA URL, refused attempts (403, 404) included. Anonymous requests are not logged: they
are sent to the sign-in page before any view runs. The log holds the URL name, never the path or
query string, and never a BSN or a name.

A view that writes the row for its own request (the erasure, inside its transaction) calls
`mark_logged(request)` so the middleware doesn't write a second one.
"""

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from .models import AccessLog, User

Action = AccessLog.Action
Outcome = AccessLog.Outcome

# url name -> the part of the patient record it shows or changes.
PATIENT_DATA: dict[str, str] = {
    "patients:list": "patient_search",
    "patients:create": "patient",
    "patients:detail": "patient",
    "patients:export": "export",
    "patients:erase": "patient",
    "patients:retention": "retention",
    # The work lists name patients and where their referral stands.
    "referrals:worklist": "worklist",
    "referrals:incoming": "worklist",
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
    "referrals:intake": "intake",
    "referrals:screening": "screening",
    "referrals:report": "report",
    "referrals:close": "report",
    "referrals:follow_up": "follow_up",
    "referrals:document": "report",
    "outcomes:enter": "questionnaire",
    "outcomes:acknowledge": "safety_alert",
    "therapists:session_add": "session",
    "therapists:session_group": "session",
}

# URLs that show no patient data: sign-in, language, health check, aggregates, staff pages.
NO_PATIENT_DATA: frozenset[str] = frozenset(
    {
        "home",
        "healthz",
        "set_language",
        "accounts:login",
        "accounts:logout",
        "accounts:two_factor_verify",
        "accounts:two_factor_setup",
        "accounts:password_change",
        "accounts:password_change_done",
        # Aggregates with small counts suppressed: no patient can be picked out.
        "reports:dashboard",
        "reports:monthly_csv",
        "reports:outcomes_csv",
        "reports:dashboard_pdf",
        "referrals:reminder_runs",
    }
)

# POSTs to these URLs create a part of the record; a POST anywhere else changes one.
CREATING: frozenset[str] = frozenset(
    {
        "patients:create",
        "referrals:start",
        "referrals:intake",
        "referrals:screening",
        "referrals:report",
        "referrals:close",
        "referrals:follow_up",
        "outcomes:enter",
        "therapists:session_add",
        "therapists:session_group",
    }
)

# URLs whose own action on POST is not a create or change.
POST_ACTIONS: dict[str, str] = {
    "patients:list": Action.SEARCH,  # the search form is POSTed so a BSN never sits in a URL
    "patients:export": Action.EXPORT,
    "patients:erase": Action.ERASE,
}

# A URL name ending in one of these answers with a PDF: downloading it is printing.
PDF_NAME_ENDINGS = ("letter", "preview", "information_sheet", "document")

# What the `pk` of a URL points at, by URL name, else by namespace.
PK_KIND_BY_NAME = {
    "outcomes:enter": "referral",
    "outcomes:acknowledge": "safety_alert",
    "therapists:session_add": "referral",
}
PK_KIND_BY_NAMESPACE = {"patients": "patient", "referrals": "referral"}

PART_LABELS = {
    "patient": _("patient"),
    "patient_search": _("patient search"),
    "retention": _("retention review"),
    "export": _("export"),
    "worklist": _("work list"),
    "referral": _("referral"),
    "network": _("therapist network"),
    "letter": _("referral letter"),
    "information_sheet": _("information sheet"),
    "fitness_check": _("fitness check"),
    "intake": _("intake"),
    "screening": _("screening"),
    "report": _("report"),
    "follow_up": _("follow-up"),
    "questionnaire": _("questionnaire"),
    "safety_alert": _("safety alert"),
    "session": _("session"),
    "access_log": _("access log"),
}


def action_for(url_name: str, method: str) -> str:
    """The action a successful request performs."""
    if method == "POST" and url_name in POST_ACTIONS:
        return POST_ACTIONS[url_name]
    if url_name.endswith(PDF_NAME_ENDINGS):
        return Action.PRINT
    if method in ("GET", "HEAD", "OPTIONS"):
        return Action.VIEW
    return Action.CREATE if url_name in CREATING else Action.CHANGE


def outcome_for(status_code: int) -> str:
    if status_code < 400:
        return Outcome.OK
    if status_code == 404:
        return Outcome.NOT_FOUND
    if status_code >= 500:
        return Outcome.ERROR
    return Outcome.DENIED


def pk_kind(url_name: str) -> str | None:
    """What the URL's `pk` is the key of: "patient", "referral", "safety_alert" or None."""
    if url_name in PK_KIND_BY_NAME:
        return PK_KIND_BY_NAME[url_name]
    return PK_KIND_BY_NAMESPACE.get(url_name.partition(":")[0])


def patient_id_for(url_name: str, kwargs: dict) -> int | None:
    """The patient the request is about, from the URL's arguments (at most one query)."""
    if "patient_pk" in kwargs:
        return int(kwargs["patient_pk"])
    if "pk" not in kwargs:
        return None
    pk, kind = int(kwargs["pk"]), pk_kind(url_name)
    if kind == "patient":
        return pk
    if kind == "referral":
        from referrals.models import Referral

        return Referral.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
    if kind == "safety_alert":
        from outcomes.models import SafetyAlert

        return (
            SafetyAlert.objects.filter(pk=pk).values_list("referral__patient_id", flat=True).first()
        )
    return None


def redirect_patient_id(response: HttpResponse) -> int | None:
    """The patient of the page a redirect leads to: what a create just made, for instance."""
    try:
        target = resolve(urlsplit(response.get("Location", "")).path)
    except Resolver404:
        return None
    if target.view_name not in PATIENT_DATA:
        return None
    return patient_id_for(target.view_name, target.kwargs)


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR; X-Forwarded-For only as far as settings.ACCESS_LOG_TRUSTED_PROXIES says.

    With N trusted proxies in front, each appended the address it saw, so the N-th entry from
    the right is the one the outermost trusted proxy saw. Entries further left are whatever the
    client claimed, and are ignored.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "ACCESS_LOG_TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def access_log_write(
    *,
    user: User | None,
    action: str,
    part: str,
    outcome: str = Outcome.OK,
    patient_id: int | None = None,
    client_address: str | None = None,
    method: str = "",
    url_name: str = "",
) -> AccessLog:
    """Append one row. The user's email, role and practice are copied: the row outlives them."""
    return AccessLog.objects.create(
        user=user if user is not None and user.pk else None,
        user_email=getattr(user, "email", "") or "",
        role=getattr(user, "role", "") or "",
        practice_id=getattr(user, "practice_id", None),
        action=action,
        part=part,
        outcome=outcome,
        patient_id=patient_id,
        client_address=client_address,
        method=method[:10],
        url_name=url_name[:100],
    )


def access_log_for_request(
    request: HttpRequest,
    *,
    action: str,
    part: str,
    outcome: str = Outcome.OK,
    patient_id: int | None = None,
) -> AccessLog:
    """Append one row about `request`: its user, client address, method and URL name."""
    match = request.resolver_match
    return access_log_write(
        user=request.user,
        action=action,
        part=part,
        outcome=outcome,
        patient_id=patient_id,
        client_address=client_address(request),
        method=request.method or "",
        url_name=match.view_name if match else "",
    )


def note_patient(request: HttpRequest, patient_id: int) -> None:
    """The view has read the record of the URL's `pk`: the middleware need not look it up."""
    request._access_patient_id = patient_id


def mark_logged(request: HttpRequest) -> None:
    """The view wrote this request's row itself; the middleware writes none."""
    request._access_logged = True


def access_log_for_patient(patient_id: int, *, limit: int = 50) -> list[AccessLog]:
    """The newest rows about one patient, each with a translated `part_label`."""
    rows = list(AccessLog.objects.filter(patient_id=patient_id)[:limit])
    for row in rows:
        row.part_label = PART_LABELS.get(row.part, row.part)
    return rows


class AccessLogMiddleware:
    """After the view, log each signed-in request to a URL that touches patient data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        user = getattr(request, "user", None)
        if match is None or user is None or not user.is_authenticated:
            return response
        part = PATIENT_DATA.get(match.view_name)
        if part is None or getattr(request, "_access_logged", False):
            return response
        outcome = outcome_for(response.status_code)
        refused = outcome in (Outcome.DENIED, Outcome.NOT_FOUND)
        patient_id = getattr(request, "_access_patient_id", None)
        if patient_id is None:
            patient_id = patient_id_for(match.view_name, match.kwargs)
        if patient_id is None and request.method == "POST" and 300 <= response.status_code < 400:
            patient_id = redirect_patient_id(response)
        access_log_write(
            user=user,
            action=Action.DENIED if refused else action_for(match.view_name, request.method),
            part=part,
            outcome=outcome,
            patient_id=patient_id,
            client_address=client_address(request),
            method=request.method or "",
            url_name=match.view_name,
        )
        return response
