"""The monthly CSV per GP: counted from the referrals in the database, one row per month,
practice and GP; shown as the year's `Release` (dashboard.release) lets it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext

from referrals.models import Referral, Status

from .cells import column_name, person_name
from .period import AMSTERDAM, Period, local_month, referrals_sent_in
from .release import Release
from .suppression import count_cell

# --- The monthly CSV ----------------------------------------------------------------------------


@dataclass
class GPMonthRow:
    month: date
    practice: str
    gp: str
    counts: dict[str, int]
    practice_id: int = 0
    gp_id: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def monthly_rows_per_gp(referrals: QuerySet[Referral], *, period: Period) -> list[GPMonthRow]:
    """One row per month x GP (each GP with referrals in the period, every month of it), with
    the number of referrals per current status. One query, grouped by month, practice and GP."""
    rows = (
        referrals_sent_in(referrals, period)
        .annotate(month=TruncMonth("sent_at", tzinfo=AMSTERDAM))
        .values(
            "month",
            "practice_id",
            "practice__name",
            "gp_id",
            "gp__first_name",
            "gp__last_name",
            "gp__email",
        )
        .annotate(
            **{
                column_name("status", status): Count("pk", filter=Q(status=status))
                for status in Status
            }
        )
        .order_by()
    )
    people: dict[tuple[int, int], tuple[str, str]] = {}
    found: dict[tuple[date, int, int], dict[str, int]] = {}
    for row in rows:
        key = (row["practice_id"], row["gp_id"])
        people[key] = (
            row["practice__name"],
            person_name(row["gp__first_name"], row["gp__last_name"], row["gp__email"]),
        )
        counts = found.setdefault((local_month(row["month"]), *key), {})
        for status in Status:
            counts[status] = counts.get(status, 0) + row[column_name("status", status)]
    ordered = sorted(
        people.items(), key=lambda item: (item[1][0].casefold(), item[1][1].casefold())
    )
    return [
        GPMonthRow(
            month=month,
            practice=practice,
            gp=gp,
            counts=found.get((month, *key), dict.fromkeys(Status, 0)),
            practice_id=key[0],
            gp_id=key[1],
        )
        for month in period.months
        for key, (practice, gp) in ordered
    ]


def spreadsheet_safe(value: str) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_rows(rows: Iterable[GPMonthRow], release: Release) -> Iterable[list[str]]:
    """The CSV's lines: every count as `release` lets it be shown (SUPPRESSED if not)."""
    # The year and the month as two numbers: a spreadsheet turned "2026-01" into a date
    # (found in a try-out).
    yield [
        gettext("Year"),
        gettext("Month"),
        gettext("Practice"),
        gettext("GP"),
        *(str(status.label) for status in Status),
        gettext("Total"),
    ]
    for row in rows:
        node = Period.month(row.month.year, row.month.month)
        cells = [
            release.shown(node, ("csv", row.practice_id, row.gp_id, status)) for status in Status
        ]
        yield [
            str(row.month.year),
            str(row.month.month),
            spreadsheet_safe(row.practice),
            spreadsheet_safe(row.gp),
            *(count_cell(n) for n in cells),
            count_cell(release.shown(node, ("csv_total", row.practice_id, row.gp_id))),
        ]
