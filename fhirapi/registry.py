"""The resource types the interface serves, with their search parameters: the one table that
both answers the requests (fhirapi.views) and writes the CapabilityStatement
(fhirapi.capability), so /fhir/metadata lists exactly what is served.

Each resource module (fhirapi/resources/) registers a ResourceType: the rows a client may see
(`rows(client)`, scoped, with what the serializer needs already joined), how one row becomes a
FHIR resource (`to_fhir`), which patient it is about (the access log), and its search
parameters as functions on the queryset. A type whose rows yield several resources (the
Observations of one questionnaire) sets `expand`: `to_fhir` then gives a list, and a read picks
the one whose id was asked.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet


class SearchError(ValueError):
    """A search parameter's value that cannot be read: answered 400 with an OperationOutcome."""


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # FHIR SearchParamType: token, date, reference, string, number
    documentation: str
    apply: Callable[[QuerySet, str], QuerySet]


@dataclass(frozen=True)
class ResourceType:
    name: str
    rows: Callable  # (client) -> QuerySet of the rows this client may see
    to_fhir: Callable  # (row, base_url) -> dict, or a list of dicts with `expand`
    patient_id: Callable  # (row) -> int | None: who the access log names
    part: str  # the access log's part of the record
    search_params: tuple[SearchParam, ...] = ()
    profile: str = ""
    documentation: str = ""
    # The id of a resource -> the filter that finds its row; None: not an id of ours.
    lookup: Callable[[str], dict | None] = lambda resource_id: (
        {"pk": int(resource_id)}
        if resource_id.isascii() and resource_id.isdigit() and len(resource_id) < 19
        else None
    )
    last_updated: str = "updated_at"  # the field _lastUpdated compares and sorts on
    expand: bool = False
    # With `expand`: (the rows' resources, the query) -> those the search asked for.
    refine: Callable | None = None
    interactions: tuple[str, ...] = ("read", "search-type")


RESOURCE_TYPES: dict[str, ResourceType] = {}
#: System-level interactions beyond the resource types' (e.g. "transaction"), with their text.
SYSTEM_INTERACTIONS: dict[str, str] = {}


def register(resource_type: ResourceType) -> ResourceType:
    RESOURCE_TYPES[resource_type.name] = resource_type
    return resource_type


def register_system_interaction(code: str, documentation: str) -> None:
    """A system-level interaction (the transaction Bundle of fhirapi's write side)."""
    SYSTEM_INTERACTIONS[code] = documentation


def param_names(resource_type: ResourceType) -> Iterable[str]:
    return [p.name for p in resource_type.search_params]
