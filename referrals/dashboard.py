"""The reports: referrals per month, splits, outcome figures and the CSV rows, all aggregated.

Scope: every figure starts from ONE selector, `referrals_for_reports(user)`; the functions below
only narrow it (to a period) and aggregate it, so no page or export can count a referral outside
what the signed-in user may see. They never read patients, notes or free text: only ids, names
of professionals, choice values, dates and questionnaire totals.

Cost: a fixed number of queries whatever the number of referrals, GPs or therapists. Counting
happens in the database (`values().annotate(Count(...))`, conditional `Count(filter=...)`);
the rows that come back are bounded by months x distinct waiting times, combinations of choice
values and pairs of professionals, never by the number of referrals. For one practice the
queries read only indexes when the covering indexes proposed for them exist (see the bench,
bench/dashboard_bench.py).

Privacy: outcome figures based on fewer than SMALL_CELL patients, and counts below SMALL_CELL in
the outcome tables, are shown as "<5". Monthly referral counts and their splits are plain counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from accounts.models import Practice, User
from outcomes.instruments import INSTRUMENTS
from outcomes.models import QuestionnaireResponse

from .charts import bar_chart_svg
from .models import Complaint, FollowUp, Funding, Purpose, Referral, Status
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


def _days_to_intake() -> ExpressionWrapper:
    """Days from sending (the local date in Amsterdam) to the intake date; NULL without one."""
    return ExpressionWrapper(
        F("intake_date") - TruncDate("sent_at", tzinfo=AMSTERDAM), output_field=DurationField()
    )


def _days(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    return value.days if isinstance(value, timedelta) else float(value)


@dataclass
class MonthlyCounts:
    #: {first day of month: referrals sent}, for the months that have referrals
    months: dict[date, int]
    #: {days from sending to intake: referrals}
    days_to_intake: dict[float, int]


def monthly_counts(referrals: QuerySet[Referral]) -> MonthlyCounts:
    """Referrals per month of sending (Amsterdam) and the days they waited for the intake.

    One query grouped by month and days, so the median needs no query of its own: at most
    (months x distinct numbers of days) rows, whatever the number of referrals.
    """
    rows = (
        referrals.annotate(month=TruncMonth("sent_at", tzinfo=AMSTERDAM), days=_days_to_intake())
        .values("month", "days")
        .annotate(n=Count("id"))
        .order_by()
    )
    months: dict[date, int] = {}
    days: dict[float, int] = {}
    for row in rows:
        month, waited = local_month(row["month"]), _days(row["days"])
        months[month] = months.get(month, 0) + row["n"]
        if waited is not None:
            days[waited] = days.get(waited, 0) + row["n"]
    return MonthlyCounts(months=months, days_to_intake=days)


#: What the splits and outcome figures count referrals by.
GROUPING = ("status", "complaint", "purpose", "funding")


def category_counts(referrals: QuerySet[Referral]) -> dict[str, int]:
    """Totals for the splits and the outcome figures: sent, accepted, started, completed,
    stopped, ended, followed up, and per status, complaint, purpose and funding; then per
    antidepressant answer at the GP's follow-up.

    Two queries: the referrals grouped by those choices (at most one row per combination of
    choice values), and the follow-ups of the followed-up referrals grouped by answer.
    """
    rows = (
        referrals.values(*GROUPING)
        .annotate(
            n=Count("id"),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            started=Count("id", filter=Q(therapy_started_at__isnull=False)),
            completed=Count("id", filter=Q(completed_at__isnull=False)),
            stopped=Count("id", filter=Q(stopped_at__isnull=False)),
        )
        .order_by()
    )
    totals: dict[str, int] = {}

    def add(key: str, n: int) -> None:
        totals[key] = totals.get(key, 0) + n

    for row in rows:
        n = row["n"]
        add("sent", n)
        for key in ("accepted", "started", "completed", "stopped"):
            add(key, row[key])
        for _key, field_name, _choices in CATEGORIES:
            add(_column(field_name, row[field_name]), n)
        if row["status"] in ENDED_STATUSES:
            add("ended", n)
        if row["status"] == Status.FOLLOWED_UP:
            add("followed_up", n)
    # Only followed-up referrals have a follow-up: look up those, not every referral.
    answers = (
        FollowUp.objects.filter(
            referral__in=referrals.filter(status=Status.FOLLOWED_UP).values("pk")
        )
        .values("antidepressant")
        .annotate(n=Count("referral_id"))
        .order_by()
    )
    for row in answers:
        add(_column("antidepressant", row["antidepressant"]), row["n"])
    return totals


def _person_name(first: str | None, last: str | None, email: str | None) -> str:
    return " ".join(part for part in (first, last) if part) or email or gettext("Unknown")


@dataclass
class PeopleCounts:
    practices: list[tuple[str, int]]
    gps: list[tuple[str, int]]
    therapists: list[tuple[str, int]]


def _sorted_counts(counts: dict[tuple[int | None, str], int]) -> list[tuple[str, int]]:
    """Counts keyed by (id, name), as (name, count) sorted by name; equal names stay apart."""
    return [
        (name, count)
        for (_pk, name), count in sorted(counts.items(), key=lambda item: item[0][1].casefold())
    ]


def people_counts(referrals: QuerySet[Referral]) -> PeopleCounts:
    """Referrals per practice, per GP and per therapist, in one query.

    Grouped by (practice, GP, therapist): at most one row per pair of professionals who worked
    together, whatever the number of referrals.
    """
    rows = referrals.values(
        "practice_id",
        "practice__name",
        "gp_id",
        "gp__first_name",
        "gp__last_name",
        "gp__email",
        "therapist_id",
        "therapist__user__first_name",
        "therapist__user__last_name",
        "therapist__user__email",
    ).annotate(n=Count("pk"))
    practices: dict = {}
    gps: dict = {}
    therapists: dict = {}
    for r in rows:
        key = (r["practice_id"], r["practice__name"])
        practices[key] = practices.get(key, 0) + r["n"]
        key = (r["gp_id"], _person_name(r["gp__first_name"], r["gp__last_name"], r["gp__email"]))
        gps[key] = gps.get(key, 0) + r["n"]
        name = (
            _person_name(
                r["therapist__user__first_name"],
                r["therapist__user__last_name"],
                r["therapist__user__email"],
            )
            if r["therapist_id"]
            else gettext("No therapist")
        )
        key = (r["therapist_id"], name)
        therapists[key] = therapists.get(key, 0) + r["n"]
    return PeopleCounts(
        practices=_sorted_counts(practices),
        gps=_sorted_counts(gps),
        therapists=_sorted_counts(therapists),
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


def _score(code: str, week: int) -> str:
    return f"{code.replace('-', '').lower()}_w{week}"


def questionnaire_figures(started: QuerySet[Referral]) -> QuestionnaireFigures:
    """Questionnaire completion per week and the change from week 0 to 10 per instrument.

    One query: the responses of the started referrals are grouped per referral by the ORM
    (how many instruments each week, the week-0 and week-10 totals); a small outer SELECT sums
    those over the referrals, so one row comes back whatever the number of patients. (Django's
    own aggregate-over-annotations builds the same SQL but takes longer to compile than the
    database takes to answer for one practice.) A reliable improvement is a drop of at least
    the instrument's reliable-change threshold: the rule of outcomes.instruments.reliable_change
    (a test holds the two together).
    """
    # A check constraint allows only the known instruments, each once per referral and week.
    per_referral: dict = {
        f"w{week}": Count("referral_id", filter=Q(week=week)) for week in QUESTIONNAIRE_WEEKS
    }
    for code in INSTRUMENTS:
        for week in (CHANGE_FROM_WEEK, CHANGE_TO_WEEK):
            per_referral[_score(code, week)] = Max("total", filter=Q(instrument=code, week=week))
    inner = (
        QuestionnaireResponse.objects.filter(referral__in=started.values("pk"))
        .values("referral_id")
        .annotate(**per_referral)
        .order_by()
    )
    sql, params = inner.query.sql_with_params()
    q = connection.ops.quote_name
    columns, outer_params = [], []
    for week in QUESTIONNAIRE_WEEKS:
        columns.append(f"SUM(CASE WHEN {q(f'w{week}')} = %s THEN 1 ELSE 0 END)")
        outer_params.append(len(INSTRUMENTS))
    for instrument in INSTRUMENTS.values():
        before = q(_score(instrument.code, CHANGE_FROM_WEEK))
        after = q(_score(instrument.code, CHANGE_TO_WEEK))
        columns += [
            f"SUM(CASE WHEN {before} IS NOT NULL AND {after} IS NOT NULL THEN 1 ELSE 0 END)",
            f"SUM({after} - {before})",
            f"SUM(CASE WHEN {after} <= {before} - %s THEN 1 ELSE 0 END)",
        ]
        outer_params.append(instrument.reliable_change_threshold)
    with connection.cursor() as cursor:
        cursor.execute(
            # Only names and placeholders go into the text; the values are parameters.
            f"SELECT {', '.join(columns)} FROM ({sql}) per_referral",  # noqa: S608
            [*outer_params, *params],
        )
        values = [int(value or 0) for value in cursor.fetchone()]
    complete = dict(zip(QUESTIONNAIRE_WEEKS, values, strict=False))
    changes = {}
    for index, code in enumerate(INSTRUMENTS):
        n, total_change, improved = values[len(QUESTIONNAIRE_WEEKS) + 3 * index :][:3]
        changes[code] = ScoreChange(code, n=n, total_change=total_change, improved=improved)
    return QuestionnaireFigures(complete=complete, changes=changes)


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


def build_dashboard(
    referrals: QuerySet[Referral], *, period: Period, by_practice: bool = False
) -> Dashboard:
    """Every figure of the dashboard (and its PDF) for the scoped `referrals` in `period`.

    Five queries, whatever the number of referrals or professionals.
    """
    in_period = referrals_sent_in(referrals, period)
    started = in_period.filter(therapy_started_at__isnull=False)
    counts = monthly_counts(in_period)
    totals = category_counts(in_period)
    sent = totals.get("sent", 0)

    months = [(month, counts.months.get(month, 0)) for month in period.months]
    month_chart = chart(
        [(month_label(month), count) for month, count in months],
        title=gettext("Referrals sent per month"),
        category_axis=gettext("Month"),
    )

    people = people_counts(in_period)
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
    splits += [
        _split("gp", gettext("Referrals per GP"), gettext("GP"), people.gps),
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

    outcomes = outcome_rows(totals, counts.days_to_intake, started)
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
    )


def outcome_rows(
    totals: dict[str, int], days: dict[float, int], started: QuerySet[Referral]
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
    questionnaires = questionnaire_figures(started)
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
