"""Reading the pre-aggregated cells (dashboard.counts): totals per figure and the people lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, F, QuerySet, Sum, When
from django.utils import formats
from django.utils.translation import gettext, ngettext

from accounts.models import Practice, User
from outcomes.instruments import INSTRUMENTS
from referrals.icpc import Icpc
from referrals.models import Funding, Purpose, Status
from referrals.schedule import QUESTIONNAIRE_WEEKS
from therapists.models import Therapist

from . import counts
from .models import CountCell
from .period import Period
from .scope import CellScope

# A therapy that ended: the GP's follow-up is due for these (or was held: followed_up).
ENDED_STATUSES = (Status.COMPLETED, Status.STOPPED, Status.FOLLOWED_UP)
# People lists longer than this show the busiest ones and one row for the rest (the all-practice
# view would otherwise list thousands of GPs).
MAX_LIST_ROWS = 50


# --- Aggregates ---------------------------------------------------------------------------------

#: The categorical splits: (key, field, choices).
CATEGORIES: tuple[tuple[str, str, type], ...] = (
    ("complaint", "complaint", Icpc),
    ("purpose", "purpose", Purpose),
    ("funding", "funding", Funding),
    ("status", "status", Status),
)


def column_name(field_name: str, value: str) -> str:
    return f"c_{field_name}_{value}"


def _cells(scope: CellScope, period: Period) -> QuerySet[CountCell]:
    if scope is None:
        return CountCell.objects.none()
    return CountCell.objects.filter(
        scope=scope[0], scope_id=scope[1], month__gte=period.first, month__lte=period.last
    ).order_by()


@dataclass
class CellTotals:
    #: {first day of month: referrals sent}, for the months that have referrals
    months: dict[date, int]
    #: {days from sending to intake: referrals}
    days_to_intake: dict[float, int]
    #: sent, accepted, started, completed, stopped, ended, followed_up, and per choice value
    totals: dict[str, int]
    questionnaires: QuestionnaireFigures


CHOICE_DIMENSIONS = ("status", "complaint", "purpose", "funding", "antidepressant", "recovery")


def cell_totals(scope: CellScope, period: Period) -> CellTotals:
    """Every figure but the people lists, from the cells: one query, grouped by figure (and
    by month for the referrals sent), so at most a few hundred rows whatever the numbers."""
    rows = (
        _cells(scope, period)
        .filter(dimension__in=counts.FIGURES)
        .annotate(per_month=Case(When(dimension="sent", then=F("month"))))
        .values_list("dimension", "value", "per_month")
        .annotate(total=Sum("n"))
    )
    months: dict[date, int] = {}
    days: dict[float, int] = {}
    totals: dict[str, int] = {}
    complete: dict[int, int] = dict.fromkeys(QUESTIONNAIRE_WEEKS, 0)
    changes = {code: ScoreChange(code) for code in INSTRUMENTS}
    for dimension, value, month, n in rows:
        if dimension == "sent":
            months[month] = months.get(month, 0) + n
            totals["sent"] = totals.get("sent", 0) + n
        elif dimension in CHOICE_DIMENSIONS:
            totals[column_name(dimension, value)] = n
        elif dimension == "intake_days":
            days[float(value)] = n
        elif dimension == "complete_week":
            complete[int(value)] = n
        elif dimension in SCORE_FIELDS and value in changes:
            setattr(changes[value], SCORE_FIELDS[dimension], n)
        else:
            totals[dimension] = n
    for status in ENDED_STATUSES:
        totals["ended"] = totals.get("ended", 0) + totals.get(column_name("status", status), 0)
    totals["followed_up"] = totals.get(column_name("status", Status.FOLLOWED_UP), 0)
    return CellTotals(
        months=months,
        days_to_intake=days,
        totals=totals,
        questionnaires=QuestionnaireFigures(complete=complete, changes=changes),
    )


SCORE_FIELDS = {"score_n": "n", "score_change": "total_change", "score_improved": "improved"}


def person_name(first: str | None, last: str | None, email: str | None) -> str:
    return " ".join(part for part in (first, last) if part) or email or gettext("Unknown")


@dataclass
class PeopleCounts:
    practices: list[tuple[str, int]]
    gps: list[tuple[str, int]]
    therapists: list[tuple[str, int]]
    #: Per list, the id behind each row (None: no therapist); the last row of a long list
    #: ("12 others") is the tuple of the ids it adds up.
    ids: dict[str, list] = field(default_factory=dict)


def _shown(counts: dict[int | None, int]) -> list[int | None]:
    """The ids a people list shows: all of them, or beyond MAX_LIST_ROWS the busiest ones."""
    if len(counts) <= MAX_LIST_ROWS:
        return list(counts)
    return sorted(counts, key=lambda pk: -counts[pk])[:MAX_LIST_ROWS]


def _listed(counts: dict[int | None, int], names: dict[int | None, str]) -> list[tuple]:
    """(name, count, id) by name, equal names kept apart; beyond MAX_LIST_ROWS, the busiest
    ones by count and one row for the rest."""
    shown = _shown(counts)
    if len(shown) == len(counts):
        chosen = sorted(counts, key=lambda pk: (names.get(pk, "").casefold(), pk or 0))
        return [(names.get(pk, gettext("Unknown")), counts[pk], pk) for pk in chosen]
    rows = [(names.get(pk, gettext("Unknown")), counts[pk], pk) for pk in shown]
    rest = counts.keys() - set(shown)
    rows.append(
        (
            ngettext("%(count)s other", "%(count)s others", len(rest))
            % {"count": formats.number_format(len(rest))},
            sum(counts[pk] for pk in rest),
            tuple(sorted(rest, key=lambda pk: pk or 0)),
        )
    )
    return rows


def people_counts(
    scope: CellScope, period: Period, *, dimensions: tuple[str, ...] = counts.PEOPLE
) -> PeopleCounts:
    """Referrals per practice, per GP and per therapist (those of `dimensions`): one query on
    the cells, and one per list for the names of those shown (at most MAX_LIST_ROWS each)."""
    found: dict[str, dict[int | None, int]] = {dimension: {} for dimension in counts.PEOPLE}
    rows = (
        _cells(scope, period)
        .filter(dimension__in=dimensions)
        .values_list("dimension", "value")
        .annotate(total=Sum("n"))
        .filter(total__gt=0)
    )
    for dimension, value, n in rows:
        found[dimension][int(value) if value else None] = n

    def shown(counts: dict) -> list[int]:
        return [pk for pk in _shown(counts) if pk is not None]

    practice_names = (
        dict(Practice.objects.filter(pk__in=shown(found["practice"])).values_list("pk", "name"))
        if found["practice"]
        else {}
    )
    gp_names = (
        {
            pk: person_name(first, last, email)
            for pk, first, last, email in User.objects.filter(
                pk__in=shown(found["gp"])
            ).values_list("pk", "first_name", "last_name", "email")
        }
        if found["gp"]
        else {}
    )
    therapist_names: dict[int | None, str] = {None: gettext("No therapist")}
    if found["therapist"]:
        therapist_names |= {
            pk: person_name(first, last, email)
            for pk, first, last, email in Therapist.objects.filter(
                pk__in=shown(found["therapist"])
            ).values_list("pk", "user__first_name", "user__last_name", "user__email")
        }
    lists = {
        "practice": _listed(found["practice"], practice_names),
        "gp": _listed(found["gp"], gp_names),
        "therapist": _listed(found["therapist"], therapist_names),
    }

    def pairs(dimension: str) -> list[tuple[str, int]]:
        return [(name, n) for name, n, _pk in lists[dimension]]

    return PeopleCounts(
        practices=pairs("practice"),
        gps=pairs("gp"),
        therapists=pairs("therapist"),
        ids={dimension: [pk for _name, _n, pk in rows] for dimension, rows in lists.items()},
    )


@dataclass
class ScoreChange:
    code: str
    n: int = 0
    total_change: int = 0
    improved: int = 0

    @property
    def mean(self) -> float | None:
        return self.total_change / self.n if self.n else None


@dataclass
class QuestionnaireFigures:
    #: {week: started referrals with both a PHQ-9 and a GAD-7 that week}
    complete: dict[int, int]
    #: {instrument: change from week 0 to week 10}
    changes: dict[str, ScoreChange]
