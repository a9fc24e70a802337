"""The reports: referrals per month, splits, outcome figures and the CSV rows, all aggregated.

Scope: a user's scope is decided in one place per source. The dashboard and the outcome figures
read the pre-aggregated cells of `cell_scope(user)` (referrals.report_cells); the monthly CSV
per GP counts the referrals of `referrals_for_reports(user)`. The two agree by construction of
the cells (tests compare them for every role). Neither reads patients, notes or free text: only
ids, names of professionals, choice values, dates and questionnaire totals.

Cost: a fixed number of queries whatever the number of referrals, GPs or therapists. The
dashboard adds up cells (a few hundred rows for one practice and a year); the CSV groups the
referrals in the database, one row per month, practice and GP.

Privacy: outcome figures based on fewer than SMALL_CELL patients, and counts below SMALL_CELL in
the outcome tables, are shown as "<5". Monthly referral counts and their splits are plain counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from accounts.models import Practice, User
from outcomes.instruments import INSTRUMENTS
from therapists.models import Therapist

from . import report_cells
from .charts import bar_chart_svg
from .models import Complaint, FollowUp, Funding, Purpose, Referral, ReportCell, Status
from .schedule import QUESTIONNAIRE_WEEKS, add_months

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEFAULT_MONTHS = 12
MAX_MONTHS = 120
SMALL_CELL = 5
SUPPRESSED = "<5"
# A therapy that ended: the GP's follow-up is due for these (or was held: followed_up).
ENDED_STATUSES = (Status.COMPLETED, Status.STOPPED, Status.FOLLOWED_UP)
CHANGE_FROM_WEEK, CHANGE_TO_WEEK = 0, 10
# Splits shown with a chart beside their table; GP and therapist lists can be long, so they
# get a chart only up to this many rows (the table always shows them all).
MAX_CHART_ROWS = 24
# People lists longer than this show the busiest ones and one row for the rest (the all-practice
# view would otherwise list thousands of GPs).
MAX_LIST_ROWS = 50


# --- Scope --------------------------------------------------------------------------------------


def referrals_for_reports(user: User, *, practice: Practice | None = None) -> QuerySet[Referral]:
    """The sent referrals `user` may count. Every report figure and export starts here.

    Practice manager: their practice. GP: the referrals they made. Therapist: the referrals
    sent to them. Administrator: all practices. `practice` only ever narrows the scope (the
    administrator's practice filter); it never widens anyone's.
    """
    referrals = Referral.objects.filter(sent_at__isnull=False).order_by()
    if user.role == User.Role.PRACTICE_MANAGER and user.practice_id is not None:
        referrals = referrals.filter(practice_id=user.practice_id)
    elif user.role == User.Role.GP:
        referrals = referrals.filter(gp=user)
    elif user.role == User.Role.THERAPIST:
        referrals = referrals.filter(therapist__user=user)
    elif user.role != User.Role.ADMIN:
        return referrals.none()
    if practice is not None:
        referrals = referrals.filter(practice=practice)
    return referrals


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


# --- Small-cell suppression ---------------------------------------------------------------------


def count_cell(count: int) -> str:
    """A count in an outcome table: "<5" below SMALL_CELL."""
    return SUPPRESSED if count < SMALL_CELL else formats.number_format(count)


def share_cell(count: int, total: int) -> str:
    """ "12 (60%)", or "<5" when the count or the number it is a share of is below SMALL_CELL.

    The share is hidden with a small count too, or the count could be worked back from it.
    """
    if count < SMALL_CELL or total < SMALL_CELL:
        return SUPPRESSED
    return f"{formats.number_format(count)} ({round(100 * count / total)}%)"


def _decimal(value: float) -> str:
    return formats.number_format(round(value, 1), decimal_pos=1)


def days_cell(median: float | None, n: int) -> str:
    if median is None or n < SMALL_CELL:
        return SUPPRESSED
    whole = median == int(median)
    shown = formats.number_format(int(median)) if whole else _decimal(median)
    return ngettext("%(days)s day", "%(days)s days", int(median) if whole else 2) % {"days": shown}


def change_cell(mean: float | None, n: int) -> str:
    if mean is None or n < SMALL_CELL:
        return SUPPRESSED
    text = _decimal(mean)
    return f"+{text}" if mean > 0 else text


def weighted_median(counts: dict[float, int]) -> float | None:
    """The median of values given as {value: how often}; the mean of the middle two if even."""
    n = sum(counts.values())
    if n == 0:
        return None
    ordered = sorted(counts.items())

    def nth(index: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if index < seen:
                return value
        raise AssertionError("unreachable")  # pragma: no cover

    if n % 2:
        return nth(n // 2)
    return (nth(n // 2 - 1) + nth(n // 2)) / 2


# --- Aggregates ---------------------------------------------------------------------------------

#: The categorical splits: (key, field, choices).
CATEGORIES: tuple[tuple[str, str, type], ...] = (
    ("complaint", "complaint", Complaint),
    ("purpose", "purpose", Purpose),
    ("funding", "funding", Funding),
    ("status", "status", Status),
)


def _column(field_name: str, value: str) -> str:
    return f"c_{field_name}_{value}"


# --- Reading the pre-aggregated cells -----------------------------------------------------------

#: The scope of a user's reports in the cells: (scope, scope id), or None for nothing.
CellScope = tuple[str, int] | None


def cell_scope(user: User, *, practice: Practice | None = None) -> CellScope:
    """The cells `user` may read: the same scope as `referrals_for_reports`, in cell terms."""
    if practice is not None and user.role == User.Role.ADMIN:
        return (report_cells.PRACTICE, practice.pk)
    if user.role == User.Role.PRACTICE_MANAGER and user.practice_id is not None:
        return (report_cells.PRACTICE, user.practice_id)
    if user.role == User.Role.GP:
        return (report_cells.GP, user.pk)
    if user.role == User.Role.THERAPIST:
        therapist = Therapist.objects.filter(user=user).values_list("pk", flat=True).first()
        return (report_cells.THERAPIST, therapist) if therapist else None
    if user.role == User.Role.ADMIN:
        return (report_cells.ALL, 0)
    return None


def _cells(scope: CellScope, period: Period) -> QuerySet[ReportCell]:
    if scope is None:
        return ReportCell.objects.none()
    return ReportCell.objects.filter(
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


CHOICE_DIMENSIONS = ("status", "complaint", "purpose", "funding", "antidepressant")


def cell_totals(scope: CellScope, period: Period) -> CellTotals:
    """Every figure but the people lists, from the cells: one query, grouped by figure (and
    by month for the referrals sent), so at most a few hundred rows whatever the numbers."""
    rows = (
        _cells(scope, period)
        .filter(dimension__in=report_cells.FIGURES)
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
            totals[_column(dimension, value)] = n
        elif dimension == "intake_days":
            days[float(value)] = n
        elif dimension == "complete_week":
            complete[int(value)] = n
        elif dimension in SCORE_FIELDS and value in changes:
            setattr(changes[value], SCORE_FIELDS[dimension], n)
        else:
            totals[dimension] = n
    for status in ENDED_STATUSES:
        totals["ended"] = totals.get("ended", 0) + totals.get(_column("status", status), 0)
    totals["followed_up"] = totals.get(_column("status", Status.FOLLOWED_UP), 0)
    return CellTotals(
        months=months,
        days_to_intake=days,
        totals=totals,
        questionnaires=QuestionnaireFigures(complete=complete, changes=changes),
    )


SCORE_FIELDS = {"score_n": "n", "score_change": "total_change", "score_improved": "improved"}


def _person_name(first: str | None, last: str | None, email: str | None) -> str:
    return " ".join(part for part in (first, last) if part) or email or gettext("Unknown")


@dataclass
class PeopleCounts:
    practices: list[tuple[str, int]]
    gps: list[tuple[str, int]]
    therapists: list[tuple[str, int]]


def _shown(counts: dict[int | None, int]) -> list[int | None]:
    """The ids a people list shows: all of them, or beyond MAX_LIST_ROWS the busiest ones."""
    if len(counts) <= MAX_LIST_ROWS:
        return list(counts)
    return sorted(counts, key=lambda pk: -counts[pk])[:MAX_LIST_ROWS]


def _listed(counts: dict[int | None, int], names: dict[int | None, str]) -> list[tuple[str, int]]:
    """(name, count) by name, equal names kept apart; beyond MAX_LIST_ROWS, the busiest ones
    by count and one row for the rest."""
    shown = _shown(counts)
    if len(shown) == len(counts):
        chosen = sorted(counts, key=lambda pk: (names.get(pk, "").casefold(), pk or 0))
        return [(names.get(pk, gettext("Unknown")), counts[pk]) for pk in chosen]
    rows = [(names.get(pk, gettext("Unknown")), counts[pk]) for pk in shown]
    rest = counts.keys() - set(shown)
    rows.append(
        (
            ngettext("%(count)s other", "%(count)s others", len(rest))
            % {"count": formats.number_format(len(rest))},
            sum(counts[pk] for pk in rest),
        )
    )
    return rows


def people_counts(
    scope: CellScope, period: Period, *, dimensions: tuple[str, ...] = report_cells.PEOPLE
) -> PeopleCounts:
    """Referrals per practice, per GP and per therapist (those of `dimensions`): one query on
    the cells, and one per list for the names of those shown (at most MAX_LIST_ROWS each)."""
    found: dict[str, dict[int | None, int]] = {dimension: {} for dimension in report_cells.PEOPLE}
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
            pk: _person_name(first, last, email)
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
            pk: _person_name(first, last, email)
            for pk, first, last, email in Therapist.objects.filter(
                pk__in=shown(found["therapist"])
            ).values_list("pk", "user__first_name", "user__last_name", "user__email")
        }
    return PeopleCounts(
        practices=_listed(found["practice"], practice_names),
        gps=_listed(found["gp"], gp_names),
        therapists=_listed(found["therapist"], therapist_names),
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


# --- The dashboard ------------------------------------------------------------------------------


@dataclass
class Split:
    key: str
    title: str
    heading: str
    rows: list[tuple[str, int]]
    chart: SafeString | None = None


@dataclass
class OutcomeRow:
    label: str
    value: str
    base: str
    base_label: str


@dataclass
class Dashboard:
    period: Period
    months: list[tuple[date, int]]
    month_chart: SafeString
    splits: list[Split]
    outcomes: list[OutcomeRow]
    antidepressant: list[tuple[str, str]]
    follow_ups: str
    total: int
    #: Over all practices the per-GP list is left out (see build_dashboard).
    all_practices: bool = False


def month_label(month: date) -> str:
    return formats.date_format(month, "M Y")


def chart(rows: list[tuple[str, int]], *, title: str, category_axis: str) -> SafeString:
    """The one code path for charts on pages and in the PDF."""
    # bar_chart_svg escapes every text it writes.
    return mark_safe(bar_chart_svg(rows, title=title, category_axis=category_axis))  # noqa: S308


def _category_rows(totals: dict[str, int], field_name: str, choices, sent: int) -> list:
    rows = [(str(label), totals.get(_column(field_name, value), 0)) for value, label in choices]
    rest = sent - sum(count for _label, count in rows)
    if rest:
        rows.append((gettext("Not given"), rest))
    return rows


def _split(key: str, title: str, heading: str, rows: list[tuple[str, int]]) -> Split:
    split = Split(key=key, title=title, heading=heading, rows=rows)
    if 0 < len(rows) <= MAX_CHART_ROWS:
        split.chart = chart(rows, title=title, category_axis=heading)
    return split


def _share_row(label: str, count: int, total: int, base_label: str) -> OutcomeRow:
    return OutcomeRow(label, share_cell(count, total), count_cell(total), base_label)


def build_dashboard(scope: CellScope, *, period: Period, by_practice: bool = False) -> Dashboard:
    """Every figure of the dashboard (and its PDF) for the cells of `scope` in `period`.

    Two queries on the cells, and at most three for the names in the people lists, whatever
    the number of referrals or professionals.
    """
    counts = cell_totals(scope, period)
    totals = counts.totals
    sent = totals.get("sent", 0)

    months = [(month, counts.months.get(month, 0)) for month in period.months]
    month_chart = chart(
        [(month_label(month), count) for month, count in months],
        title=gettext("Referrals sent per month"),
        category_axis=gettext("Month"),
    )

    # Over all practices a list per GP (thousands of them) says little and costs the most to
    # add up; the administrator chooses a practice to see its GPs.
    people = people_counts(
        scope, period, dimensions=("practice", "therapist") if by_practice else ("gp", "therapist")
    )
    splits = []
    if by_practice:
        splits.append(
            _split(
                "practice",
                gettext("Referrals per practice"),
                gettext("Practice"),
                people.practices,
            )
        )
    else:
        splits.append(_split("gp", gettext("Referrals per GP"), gettext("GP"), people.gps))
    splits += [
        _split(
            "therapist",
            gettext("Referrals per running therapist"),
            gettext("Running therapist"),
            people.therapists,
        ),
    ]
    titles = {
        "complaint": (gettext("Referrals per main complaint"), gettext("Main complaint")),
        "purpose": (gettext("Referrals per purpose"), gettext("Purpose")),
        "funding": (gettext("Referrals per funding route"), gettext("Funding")),
        "status": (gettext("Referrals per current status"), gettext("Status")),
    }
    for key, field_name, choices in CATEGORIES:
        title, heading = titles[key]
        rows = _category_rows(totals, field_name, choices.choices, sent)
        if key == "status":
            # Statuses nobody is in make the list long and say nothing; the CSV lists them all.
            rows = [row for row in rows if row[1]]
        splits.append(_split(key, title, heading, rows))

    outcomes = outcome_rows(totals, counts.days_to_intake, counts.questionnaires)
    antidepressant = [
        (str(label), count_cell(totals.get(_column("antidepressant", value), 0)))
        for value, label in FollowUp.Antidepressant.choices
    ]
    follow_ups = sum(totals.get(_column("antidepressant", v), 0) for v in FollowUp.Antidepressant)
    return Dashboard(
        period=period,
        months=months,
        month_chart=month_chart,
        splits=splits,
        outcomes=outcomes,
        antidepressant=antidepressant,
        follow_ups=count_cell(follow_ups),
        total=sent,
        all_practices=by_practice,
    )


def outcome_rows(
    totals: dict[str, int], days: dict[float, int], questionnaires: QuestionnaireFigures
) -> list[OutcomeRow]:
    """The outcome table: each figure with the number of patients it is based on."""
    sent = totals.get("sent", 0)
    n_started = totals.get("started", 0)
    of_sent = gettext("referrals sent")
    of_started = gettext("therapies started")
    rows = [
        _share_row(gettext("Accepted by the therapist"), totals.get("accepted", 0), sent, of_sent),
        _share_row(gettext("Therapy started"), n_started, sent, of_sent),
        _share_row(gettext("Therapy completed"), totals.get("completed", 0), n_started, of_started),
        _share_row(
            gettext("Therapy stopped early"), totals.get("stopped", 0), n_started, of_started
        ),
    ]
    n_days = sum(days.values())
    rows.append(
        OutcomeRow(
            gettext("Median time from sending to intake"),
            days_cell(weighted_median(days), n_days),
            count_cell(n_days),
            gettext("referrals with an intake"),
        )
    )
    for week in QUESTIONNAIRE_WEEKS:
        rows.append(
            _share_row(
                gettext("PHQ-9 and GAD-7 completed in week %(week)s") % {"week": week},
                questionnaires.complete[week],
                n_started,
                of_started,
            )
        )
    for code, change in questionnaires.changes.items():
        with_both = gettext("patients with week %(a)s and week %(b)s") % {
            "a": CHANGE_FROM_WEEK,
            "b": CHANGE_TO_WEEK,
        }
        rows.append(
            OutcomeRow(
                gettext("Mean %(code)s change, week %(a)s to %(b)s")
                % {"code": code, "a": CHANGE_FROM_WEEK, "b": CHANGE_TO_WEEK},
                change_cell(change.mean, change.n),
                count_cell(change.n),
                with_both,
            )
        )
        rows.append(
            _share_row(
                gettext("%(code)s reliably improved") % {"code": code},
                change.improved,
                change.n,
                with_both,
            )
        )
    rows.append(
        _share_row(
            gettext("Follow-up held by the GP"),
            totals.get("followed_up", 0),
            totals.get("ended", 0),
            gettext("therapies ended"),
        )
    )
    return rows


# --- The monthly CSV ----------------------------------------------------------------------------


@dataclass
class GPMonthRow:
    month: date
    practice: str
    gp: str
    counts: dict[str, int]

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
            **{_column("status", status): Count("pk", filter=Q(status=status)) for status in Status}
        )
        .order_by()
    )
    people: dict[tuple[int, int], tuple[str, str]] = {}
    found: dict[tuple[date, int, int], dict[str, int]] = {}
    for row in rows:
        key = (row["practice_id"], row["gp_id"])
        people[key] = (
            row["practice__name"],
            _person_name(row["gp__first_name"], row["gp__last_name"], row["gp__email"]),
        )
        counts = found.setdefault((local_month(row["month"]), *key), {})
        for status in Status:
            counts[status] = counts.get(status, 0) + row[_column("status", status)]
    ordered = sorted(
        people.items(), key=lambda item: (item[1][0].casefold(), item[1][1].casefold())
    )
    return [
        GPMonthRow(
            month=month,
            practice=practice,
            gp=gp,
            counts=found.get((month, *key), dict.fromkeys(Status, 0)),
        )
        for month in period.months
        for key, (practice, gp) in ordered
    ]


def spreadsheet_safe(value: str) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_rows(rows: Iterable[GPMonthRow]) -> Iterable[list[str]]:
    yield [
        gettext("Month"),
        gettext("Practice"),
        gettext("GP"),
        *(str(status.label) for status in Status),
        gettext("Total"),
    ]
    for row in rows:
        yield [
            f"{row.month:%Y-%m}",
            spreadsheet_safe(row.practice),
            spreadsheet_safe(row.gp),
            *(str(row.counts.get(status, 0)) for status in Status),
            str(row.total),
        ]
