"""Search parameters several resource types share: the patient by reference or by BSN."""

from django.db.models import QuerySet

from ..identifiers import BSN
from ..registry import SearchError, SearchParam
from ..search import token


def _patient_pk(value: str) -> int:
    text = value.removeprefix("Patient/")
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise SearchError(f"patient: {value!r} is not a Patient reference (Patient/<id>)")
    return int(text)


def bsn_of(value: str, name: str) -> str | None:
    """The BSN of a `system|value` token; None when the system is not the BSN's."""
    system, code = token(value)
    if system not in (None, BSN):
        return None
    if not code:
        raise SearchError(f"{name} needs a value: {BSN}|<BSN>")
    return code


def patient_params(path: str) -> tuple[SearchParam, ...]:
    """`patient` and `patient.identifier` on a model whose patient is at `path`."""

    def by_patient(queryset: QuerySet, value: str) -> QuerySet:
        return queryset.filter(**{f"{path}_id": _patient_pk(value)})

    def by_identifier(queryset: QuerySet, value: str) -> QuerySet:
        bsn = bsn_of(value, "patient.identifier")
        return queryset.none() if bsn is None else queryset.filter(**{f"{path}__bsn": bsn})

    return (
        SearchParam("patient", "reference", "The patient: Patient/<id>", by_patient),
        SearchParam(
            "patient.identifier", "token", f"The patient's BSN: {BSN}|<BSN>", by_identifier
        ),
    )
