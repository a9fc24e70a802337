"""FHIR's answers: a resource as application/fhir+json, or an OperationOutcome saying what went
wrong (never an HTML error page to a system)."""

import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """A FHIR resource (a dict with resourceType) as JSON. Patient data: never stored by a
    browser or proxy."""
    body = json.dumps(resource, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store, private"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def issue(code: str, diagnostics: str, *, severity: str = "error", expression=()) -> dict:
    """One OperationOutcome.issue: `code` from FHIR's IssueType (invalid, not-found, forbidden,
    login, processing, not-supported, ...), `expression` the FHIRPath of the element."""
    entry = {"severity": severity, "code": code, "diagnostics": str(diagnostics)}
    if expression:
        entry["expression"] = [str(e) for e in expression]
    return entry


def operation_outcome(issues: Iterable[dict | str], status: int) -> HttpResponse:
    """An OperationOutcome with `issues` (dicts from `issue()`, or plain messages, which become
    errors of code `processing`)."""
    entries = [i if isinstance(i, dict) else issue("processing", i) for i in issues]
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return fhir_response(
        {"resourceType": "OperationOutcome", "issue": entries}, status=status, headers=headers
    )


def not_found(resource_type: str, resource_id: str) -> HttpResponse:
    """The same answer for "does not exist" and "not yours": nothing to learn from the code."""
    return operation_outcome(
        [issue("not-found", f"{resource_type}/{resource_id} is not known")], status=404
    )
