"""The middleware that writes the access log after each view."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ..models import AccessLog
from .log import (
    access_log_write,
    action_for,
    client_address,
    patient_id_for,
    redirect_patient_id,
    request_outcome,
)
from .registry import PATIENT_DATA, admin_part

Action = AccessLog.Action
Outcome = AccessLog.Outcome


class AccessLogMiddleware:
    """After the view, log each signed-in request to a URL that touches patient data, and each
    of the administrator's requests to the admin pages of users (registry.ADMIN_PARTS)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        user = getattr(request, "user", None)
        if match is None or user is None or not user.is_authenticated:
            return response
        if getattr(request, "_access_logged", False):
            return response
        part = PATIENT_DATA.get(match.view_name)
        if part is not None:
            _write(request, response, part, patient_id=_patient_id(request, response, match))
        elif (part := admin_part(match.view_name)) is not None:
            patient_id = patient_id_for(match.view_name, match.kwargs)
            for subject in _subject_user_ids(request, part, match.kwargs):
                _write(request, response, part, subject_user_id=subject, patient_id=patient_id)
        return response


def _subject_user_ids(request: HttpRequest, part: str, kwargs: dict) -> list[int | None]:
    """The users an admin request is about: the page's user, or each user an action on the
    list was run on (a row each, found by an attacker's try-out: "send a reset link" named
    nobody)."""
    if part == "user" and request.method == "POST" and request.POST.get("action"):
        chosen = [_known(v) for v in request.POST.getlist("_selected_action")]
        return [c for c in chosen if c is not None] or [None]
    return [_subject_user_id(part, kwargs)]


def _known(subject: str) -> int | None:
    return int(subject) if subject.isascii() and subject.isdigit() and len(subject) < 19 else None


def _patient_id(request: HttpRequest, response: HttpResponse, match) -> int | None:
    patient_id = getattr(request, "_access_patient_id", None)
    if patient_id is None:
        patient_id = patient_id_for(match.view_name, match.kwargs)
    if patient_id is None and request.method == "POST" and 300 <= response.status_code < 400:
        patient_id = redirect_patient_id(response)
    return patient_id


def _subject_user_id(part: str, kwargs: dict) -> int | None:
    """The user whose admin page this is (`object_id`, or `id` on the set-password URL)."""
    subject = str(kwargs.get("object_id") or kwargs.get("id") or "")
    return _known(subject) if part == "user" else None


def _write(request: HttpRequest, response: HttpResponse, part: str, **about) -> None:
    match = request.resolver_match
    outcome = request_outcome(request, response)
    access_log_write(
        user=request.user,
        action=_action(match.view_name, request.method, outcome),
        part=part,
        outcome=outcome,
        client_address=client_address(request),
        method=request.method or "",
        url_name=match.view_name,
        **about,
    )


def _action(url_name: str, method: str, outcome: str) -> str:
    if outcome in (Outcome.DENIED, Outcome.NOT_FOUND):
        return Action.DENIED
    if outcome == Outcome.INVALID:
        return Action.VIEW  # the form came back with its errors: seen, nothing written
    return action_for(url_name, method)
