"""The dashboard's period: whole months in Europe/Amsterdam."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from referrals.models import Referral
from referrals.schedule import add_months

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEFAULT_MONTHS = 12
MAX_MONTHS = 120


# --- The period ---------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Period:
    """Whole calendar months in Europe/Amsterdam, from `first` to `last` (first days, inclusive)."""

    first: date
    last: date

    @classmethod
    def last_months(cls, months: int = DEFAULT_MONTHS, *, today: date | None = None) -> Period:
        """The `months` months up to and including the current one."""
        last = month_start(today or timezone.localdate(timezone=AMSTERDAM))
        return cls(first=add_months(last, 1 - months), last=last)

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
        return {"start": f"{self.first:%Y-%m}", "end": f"{self.last:%Y-%m}"}


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def referrals_sent_in(referrals: QuerySet[Referral], period: Period) -> QuerySet[Referral]:
    return referrals.filter(sent_at__gte=period.start, sent_at__lt=period.end)


def local_month(value: datetime | date) -> date:
    """The first day of the Amsterdam month of a truncated value, however the backend returns it."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, AMSTERDAM)
        value = value.date()
    return month_start(value)
