"""Writing the access log (NEN 7513): one row per request of a signed-in user to a URL that
touches patient data, refused attempts (403, 404) included.

The log holds the URL name, never the path or query string, and never a BSN or a name. Which URL
shows what comes from the registry the apps fill in (accounts.audit.registry).
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from ..models import AccessLog, User
from .registry import (
    CREATING,
    PART_LABELS,
    PATIENT_DATA,
    PATIENT_OF,
    PK_KIND_BY_NAME,
    PK_KIND_BY_NAMESPACE,
    POST_ACTIONS,
    PRINTING,
    admin_part,
)

Action = AccessLog.Action
Outcome = AccessLog.Outcome


def action_for(url_name: str, method: str) -> str:
    """The action a successful request performs."""
    if method == "POST" and url_name in POST_ACTIONS:
        return POST_ACTIONS[url_name]
    if url_name in PRINTING:
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
    """What the URL's `pk` is the key of ("patient", "referral", "safety_alert", ...) or None."""
    if url_name in PK_KIND_BY_NAME:
        return PK_KIND_BY_NAME[url_name]
    return PK_KIND_BY_NAMESPACE.get(url_name.partition(":")[0])


def patient_id_for(url_name: str, kwargs: dict) -> int | None:
    """The patient the request is about, from the URL's arguments (at most one query)."""
    if url_name.startswith("admin:") and str(kwargs.get("object_id", "")).isdigit():
        # An admin page of one referral (or patient): the patient it is about, so that their GP
        # sees the administrator's look too (found by an attacker's try-out).
        find = PATIENT_OF.get(admin_part(url_name) or "")
        object_id = int(kwargs["object_id"])
        return find(object_id) if find and object_id < 2**63 else None
    if "patient_pk" in kwargs:
        return int(kwargs["patient_pk"]) or None  # 0: an id too long to exist (core.converters)
    if "pk" not in kwargs or not int(kwargs["pk"]):
        return None
    pk, kind = int(kwargs["pk"]), pk_kind(url_name)
    find = PATIENT_OF.get(kind) if kind else None
    return find(pk) if find else None


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
    subject_user_id: int | None = None,
    api_client: str = "",
    practice_id: int | None = None,
) -> AccessLog:
    """Append one row. The user's email, role and practice are copied: the row outlives them.
    A system's access (the FHIR interface) names its `api_client` and practice, no user."""
    return AccessLog.objects.create(
        user=user if user is not None and user.pk else None,
        user_email=getattr(user, "email", "") or "",
        role=getattr(user, "role", "") or "",
        practice_id=getattr(user, "practice_id", None) or practice_id,
        action=action,
        part=part,
        outcome=outcome,
        patient_id=patient_id,
        subject_user_id=subject_user_id,
        client_address=client_address,
        method=method[:10],
        url_name=url_name[:100],
        api_client=api_client[:100],
    )


def access_log_for_request(
    request: HttpRequest,
    *,
    action: str,
    part: str,
    outcome: str = Outcome.OK,
    patient_id: int | None = None,
    subject_user_id: int | None = None,
) -> AccessLog:
    """Append one row about `request`: its user, client address, method and URL name."""
    match = request.resolver_match
    return access_log_write(
        user=request.user,
        action=action,
        part=part,
        outcome=outcome,
        patient_id=patient_id,
        subject_user_id=subject_user_id,
        client_address=client_address(request),
        method=request.method or "",
        url_name=match.view_name if match else "",
    )


def note_patient(request: HttpRequest, patient_id: int) -> None:
    """The view has read the record of the URL's `pk`: the middleware need not look it up."""
    request._access_patient_id = patient_id


def refuse(request: HttpRequest, message, level: int = messages.WARNING) -> None:
    """The view refuses what was asked (a rule of the lifecycle, say) and says why: the message
    is shown, and the access log records the request as refused, never as a write."""
    messages.add_message(request, level, message)
    request._access_refused = True


def request_outcome(request: HttpRequest, response: HttpResponse) -> str:
    """The outcome of a request as the log records it. A POST that the view refused
    (`refuse`), or that came back as the same HTML page (a form with errors: the project's
    views redirect after every successful write, except the POST_ACTIONS, e.g. a search), wrote
    nothing."""
    outcome = outcome_for(response.status_code)
    if request.method != "POST" or outcome != Outcome.OK:
        return outcome
    if getattr(request, "_access_refused", False):
        return Outcome.DENIED
    match = request.resolver_match
    if match is not None and match.view_name in POST_ACTIONS:
        return outcome  # a POST that answers with a page by design (a search, say)
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        return Outcome.INVALID
    if match is not None and match.view_name.startswith("admin:") and _admin_warned(request):
        # An admin action with nothing selected, or no such action: Django redirects with a
        # warning and changes nothing (found by an attacker's try-out, logged as a write).
        return Outcome.INVALID
    return outcome


def _admin_warned(request: HttpRequest) -> bool:
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
    return any(message.level == messages.WARNING for message in queued)


def mark_logged(request: HttpRequest) -> None:
    """The view wrote this request's row itself; the middleware writes none."""
    request._access_logged = True


def access_log_for_patient(patient_id: int, *, limit: int = 50) -> list[AccessLog]:
    """The newest rows about one patient, each with a translated `part_label`."""
    rows = list(AccessLog.objects.filter(patient_id=patient_id)[:limit])
    for row in rows:
        row.part_label = PART_LABELS.get(row.part, row.part)
    return rows
