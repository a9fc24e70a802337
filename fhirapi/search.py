"""Reading a search's query string: tokens (system|code), dates with prefixes, _count and the
page cursor. Bad values raise registry.SearchError (a 400 with an OperationOutcome)."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .registry import SearchError

DEFAULT_COUNT = 20
MAX_COUNT = 100
PREFIXES = {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"}
#: Parameters every search type takes, beside its own.
COMMON = {"_count", "_cursor", "_format", "_lastUpdated"}


def token(value: str) -> tuple[str | None, str]:
    """`system|code` -> (system, code); `code` -> (None, code); `|code` -> ("", code)."""
    if "|" in value:
        system, code = value.split("|", 1)
        return system, code
    return None, value


def count(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_COUNT
    if not value.isascii() or not value.isdigit():
        raise SearchError(f"_count must be a whole number from 0 to {MAX_COUNT}, not {value!r}")
    return min(int(value), MAX_COUNT)


def cursor(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise SearchError("_cursor is not one this server gave")
    return int(value)


def _moment(text: str, name: str) -> tuple[dt.datetime, dt.datetime]:
    """The span a FHIR date(time) stands for: a day is the whole day (Europe/Amsterdam)."""
    moment = parse_datetime(text) if "T" in text else None
    if moment is not None:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment, moment
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise SearchError(f"{name}: {text!r} is not a date (YYYY-MM-DD) or a dateTime")
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)


def date_filter(queryset: QuerySet, field: str, value: str, name: str) -> QuerySet:
    """`_lastUpdated=ge2026-01-01` and friends (eq, gt, lt, ge, le; no prefix is eq)."""
    prefix, text = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
    start, end = _moment(text, name)
    if prefix == "eq":
        return queryset.filter(**{f"{field}__gte": start, f"{field}__lte": end})
    if prefix == "gt":
        return queryset.filter(**{f"{field}__gt": end})
    if prefix == "ge":
        return queryset.filter(**{f"{field}__gte": start})
    if prefix == "lt":
        return queryset.filter(**{f"{field}__lt": start})
    if prefix == "le":
        return queryset.filter(**{f"{field}__lte": end})
    raise SearchError(f"{name}: the prefix {prefix!r} is not supported (eq, gt, ge, lt, le)")
