"""The dashboard's period: a whole calendar month, quarter or year in Europe/Amsterdam.

Only these three, never an arbitrary range: two ranges that overlap in all but a few days
would differ by a handful of referrals (a differencing attack, docs/security.md). Months,
quarters and years nest (a year is its four quarters, a quarter its three months), so every
period a user can choose is a node of one tree per year, and dashboard.suppression protects
the whole tree at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext

from referrals.models import Referral
from referrals.schedule import add_months

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: How many calendar years back the period choice reaches.
YEARS_BACK = 5
YEAR, QUARTER, MONTH = "year", "quarter", "month"
KEY_PATTERN = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$")


# --- The period ---------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def today_in_amsterdam() -> date:
    return timezone.localdate(timezone=AMSTERDAM)


@dataclass(frozen=True)
class Period:
    """Whole calendar months in Europe/Amsterdam, from `first` to `last` (first days, inclusive).

    Users only ever get a `year`, `quarter` or `month`; other ranges exist for internal reads.
    """

    first: date
    last: date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(first=date(year, 1, 1), last=date(year, 12, 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = date(year, 3 * quarter - 2, 1)
        return cls(first=first, last=add_months(first, 2))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(first=date(year, month, 1), last=date(year, month, 1))

    @classmethod
    def parse(cls, key: str) -> Period | None:
        """ "2025", "2025-Q1" or "2025-03"; None for anything else."""
        match = KEY_PATTERN.match(key or "")
        if not match:
            return None
        year = int(match[1])
        if match[2]:
            return cls.quarter(year, int(match[2]))
        if match[3]:
            return cls.month(year, int(match[3]))
        return cls.year(year)

    @classmethod
    def default(cls) -> Period:
        """This calendar year (so far)."""
        return cls.year(today_in_amsterdam().year)

    @property
    def kind(self) -> str | None:
        """ "year", "quarter", "month", or None for a range users cannot choose."""
        if self.first.day != 1 or self.first.year != self.last.year:
            return None
        length = self.last.month - self.first.month + 1
        if length == 12:
            return YEAR
        if length == 3 and self.first.month % 3 == 1:
            return QUARTER
        if length == 1:
            return MONTH
        return None

    @property
    def key(self) -> str:
        kind = self.kind
        if kind == YEAR:
            return f"{self.first.year}"
        if kind == QUARTER:
            return f"{self.first.year}-Q{(self.first.month + 2) // 3}"
        if kind == MONTH:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m}..{self.last:%Y-%m}"

    @property
    def label(self) -> str:
        """The period in words, in the active language: "2025", "Q1 2025", "March 2025"."""
        kind = self.kind
        if kind == YEAR:
            return str(self.first.year)
        if kind == QUARTER:
            return gettext("Q%(quarter)s %(year)s") % {
                "quarter": (self.first.month + 2) // 3,
                "year": self.first.year,
            }
        if kind == MONTH:
            return formats.date_format(self.first, "F Y")
        return f"{formats.date_format(self.first, 'F Y')} - {formats.date_format(self.last, 'F Y')}"

    @property
    def months(self) -> list[date]:
        result, month = [], self.first
        while month <= self.last:
            result.append(month)
            month = add_months(month, 1)
        return result

    @property
    def start(self) -> datetime:
        """The first moment of the period, in Amsterdam."""
        return datetime(self.first.year, self.first.month, 1, tzinfo=AMSTERDAM)

    @property
    def end(self) -> datetime:
        """The first moment after the period (exclusive)."""
        after = add_months(self.last, 1)
        return datetime(after.year, after.month, 1, tzinfo=AMSTERDAM)

    def params(self) -> dict[str, str]:
        """The period as the GET parameters the reports accept."""
        return {"period": self.key}


def year_tree(year: int) -> list[Period]:
    """Every period a user can choose within `year`: the year, its quarters, its months."""
    return [
        Period.year(year),
        *(Period.quarter(year, quarter) for quarter in range(1, 5)),
        *(Period.month(year, month) for month in range(1, 13)),
    ]


def children(period: Period) -> list[Period]:
    """A year's quarters, a quarter's months; a month has none."""
    if period.kind == YEAR:
        return [Period.quarter(period.first.year, quarter) for quarter in range(1, 5)]
    if period.kind == QUARTER:
        return [Period.month(month.year, month.month) for month in period.months]
    return []


def choosable(today: date | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods a user can choose, newest first, grouped per year: (year, [(key, label)])."""
    today = today or today_in_amsterdam()
    groups = []
    for year in range(today.year, today.year - YEARS_BACK, -1):
        periods = [p for p in year_tree(year) if p.first <= today]
        options = [(p.key, gettext("All of %(year)s") % {"year": year}) for p in periods[:1]]
        options += [(p.key, p.label) for p in reversed(periods[1:]) if p.kind == QUARTER]
        options += [(p.key, p.label) for p in reversed(periods[1:]) if p.kind == MONTH]
        groups.append((str(year), options))
    return groups


def quick_choices(today: date | None = None) -> list[tuple[str, str]]:
    """This year, last year, and the last quarter and the last month that have ended."""
    today = today or today_in_amsterdam()
    this_month = month_start(today)
    last_month = add_months(this_month, -1)
    quarter_start = this_month.replace(month=3 * ((this_month.month - 1) // 3) + 1)
    last_quarter = add_months(quarter_start, -3)
    periods = [
        Period.year(today.year),
        Period.year(today.year - 1),
        Period.quarter(last_quarter.year, (last_quarter.month + 2) // 3),
        Period.month(last_month.year, last_month.month),
    ]
    return [(period.key, period.label) for period in periods]


def referrals_sent_in(referrals: QuerySet[Referral], period: Period) -> QuerySet[Referral]:
    return referrals.filter(sent_at__gte=period.start, sent_at__lt=period.end)


def local_month(value: datetime | date) -> date:
    """The first day of the Amsterdam month of a truncated value, however the backend returns it."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, AMSTERDAM)
        value = value.date()
    return month_start(value)
