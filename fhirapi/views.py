"""The read side of the FHIR interface: metadata, read and search, for every registered type."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.models import AccessLog

from . import search
from .audit import fhir_access_log
from .auth import fhir_client_required
from .capability import capability_statement
from .registry import RESOURCE_TYPES, ResourceType, SearchError
from .responses import fhir_response, issue, not_found, operation_outcome

Action = AccessLog.Action
Outcome = AccessLog.Outcome


def base_url(request: HttpRequest) -> str:
    """The service base, e.g. https://loopbaan.example/fhir/ (ends in a slash)."""
    return request.build_absolute_uri(reverse("fhirapi:metadata")).removesuffix("metadata")


@login_not_required
@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(base_url(request)))


def _type_or_none(name: str) -> ResourceType | None:
    return RESOURCE_TYPES.get(name)


def _unsupported(name: str) -> HttpResponse:
    return operation_outcome(
        [issue("not-supported", f"The resource type {name!r} is not served here (see metadata)")],
        status=404,
    )


@fhir_client_required()
@require_GET
def read(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    kind = _type_or_none(resource_type)
    if kind is None:
        return _unsupported(resource_type)
    lookup = kind.lookup(resource_id)
    row = kind.rows(request.fhir_client).filter(**lookup).first() if lookup else None
    resource = _pick(kind, row, resource_id, base_url(request)) if row is not None else None
    if resource is None:
        if kind.part:
            fhir_access_log(
                request, part=kind.part, patient_ids=[], action=Action.DENIED,
                outcome=Outcome.NOT_FOUND,
            )  # fmt: skip
        return not_found(resource_type, resource_id)
    if kind.part:
        fhir_access_log(request, part=kind.part, patient_ids=[kind.patient_id(row)])
    return fhir_response(resource)


def _pick(kind: ResourceType, row, resource_id: str, base: str) -> dict | None:
    if not kind.expand:
        return kind.to_fhir(row, base)
    return next((r for r in kind.to_fhir(row, base) if r["id"] == resource_id), None)


@fhir_client_required()
@require_GET
def search_type(request: HttpRequest, resource_type: str) -> HttpResponse:
    kind = _type_or_none(resource_type)
    if kind is None:
        return _unsupported(resource_type)
    try:
        rows, total, next_cursor, size = _search(kind, request)
    except SearchError as error:
        return operation_outcome([issue("invalid", str(error))], status=400)
    base = base_url(request)
    resources = []
    for row in rows:
        made = kind.to_fhir(row, base)
        resources += made if kind.expand else [made]
    if kind.refine is not None:
        resources = kind.refine(resources, request.GET)
    if kind.part:
        fhir_access_log(
            request,
            part=kind.part,
            patient_ids=[kind.patient_id(row) for row in rows],
            action=Action.SEARCH,
        )
    return fhir_response(_bundle(request, base, kind, resources, total, next_cursor, size))


def _search(kind: ResourceType, request: HttpRequest):
    params = {p.name: p for p in kind.search_params}
    unknown = sorted(set(request.GET) - set(params) - search.COMMON)
    if unknown:
        raise SearchError(
            f"Unknown search parameter(s) for {kind.name}: {', '.join(unknown)}; "
            f"supported: {', '.join(sorted(params) + sorted(search.COMMON - {'_format'}))}"
        )
    queryset = kind.rows(request.fhir_client)
    for name, values in request.GET.lists():
        for value in values:
            if name == "_lastUpdated":
                if not kind.last_updated:
                    raise SearchError(f"{kind.name} has no _lastUpdated here")
                queryset = search.date_filter(queryset, kind.last_updated, value, name)
            elif name in params:
                if value == "":
                    raise SearchError(f"{name} needs a value")
                queryset = params[name].apply(queryset, value)
    size = search.count(request.GET.get("_count"))
    total = queryset.count()
    after = search.cursor(request.GET.get("_cursor"))
    page = queryset.order_by("-pk")
    if after is not None:
        page = page.filter(pk__lt=after)
    rows = list(page[: size + 1]) if size else []
    next_cursor = rows[size - 1].pk if size and len(rows) > size else None
    return rows[:size], total, next_cursor, size


def _bundle(request, base, kind, resources, total, next_cursor, size) -> dict:
    query = request.GET.copy()
    query.pop("_cursor", None)
    query["_count"] = str(size)
    links = [{"relation": "self", "url": _page_url(base, kind, request.GET)}]
    if next_cursor is not None:
        query["_cursor"] = str(next_cursor)
        links.append({"relation": "next", "url": _page_url(base, kind, query)})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


def _page_url(base: str, kind: ResourceType, query: QueryDict) -> str:
    encoded = query.urlencode(safe="|:")
    return f"{base}{kind.name}" + (f"?{encoded}" if encoded else "")
