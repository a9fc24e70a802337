"""The reports: referrals per month, splits, outcome figures and the CSV rows, all aggregated.

Scope: a user's scope is decided in one place per source. The dashboard and the outcome figures
read the pre-aggregated cells of `cell_scope(user)` (dashboard.counts); the monthly CSV
per GP counts the referrals of `referrals_for_dashboard(user)`. The two agree by construction of
the cells (tests compare them for every role). Neither reads patients, notes or free text: only
ids, names of professionals, choice values, dates and questionnaire totals.

Cost: a fixed number of queries whatever the number of referrals, GPs or therapists. The
dashboard adds up cells (a few hundred rows for one practice and a year); the CSV groups the
referrals in the database, one row per month, practice and GP; the release reads the year's
facts of the scope (one row per referral: a few hundred for a practice, none over all
practices).

Privacy: every number shown comes from a `Release` (dashboard.release): the figures of the
whole calendar year of the period, protected together by dashboard.suppression (small cells,
complementary suppression across tables and periods). Nothing here decides what is hidden."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from outcomes.recovery import RECOVERED, RELIABLY_RECOVERED
from referrals.models import FollowUp, Referral
from referrals.schedule import QUESTIONNAIRE_WEEKS

from .cells import CATEGORIES, QuestionnaireFigures, cell_totals, people_counts
from .charts import bar_chart_svg
from .counts import CASE, PAIRED
from .monthly import monthly_rows_per_gp
from .period import Period
from .release import FOLLOWED_UP, Release, release_year
from .scope import CellScope
from .suppression import SUPPRESSED, change_cell, count_cell, days_cell, share_cell, weighted_median

CHANGE_FROM_WEEK, CHANGE_TO_WEEK = 0, 10
# Splits shown with a chart beside their table; GP and therapist lists can be long, so they
# get a chart only up to this many rows (the table always shows them all).
MAX_CHART_ROWS = 24


# --- The dashboard ------------------------------------------------------------------------------


@dataclass
class Split:
    key: str
    title: str
    heading: str
    rows: list[tuple[str, int | None]]
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
    months: list[tuple[date, int | None]]
    month_chart: SafeString
    splits: list[Split]
    outcomes: list[OutcomeRow]
    antidepressant: list[tuple[str, str]]
    follow_ups: str
    #: The referrals sent, or None when even that is hidden.
    total: int | None
    #: How many figures of the page are hidden (the page explains why when there are any).
    hidden: int = 0
    #: Over all practices the per-GP list is left out (see build_dashboard).
    all_practices: bool = False


def month_label(month: date) -> str:
    return formats.date_format(month, "M Y")


def chart(rows: list[tuple[str, int]], *, title: str, category_axis: str) -> SafeString:
    """The one code path for charts on pages and in the PDF."""
    # bar_chart_svg escapes every text it writes.
    return mark_safe(bar_chart_svg(rows, title=title, category_axis=category_axis))  # noqa: S308


def _split(key: str, title: str, heading: str, rows: list[tuple[str, int | None]]) -> Split:
    split = Split(key=key, title=title, heading=heading, rows=rows)
    if 0 < len(rows) <= MAX_CHART_ROWS:
        split.chart = chart(rows, title=title, category_axis=heading)
    return split


def protected_year(
    scope: CellScope, referrals: QuerySet[Referral], *, period: Period, by_practice: bool = False
) -> Release:
    """Everything the reports can show in the calendar year of `period`, protected at once:
    three queries (the year's cells, the year's referrals per month, GP and status, and the
    year's facts of the scope)."""
    year = period.first.year
    people = ("practice", "therapist") if by_practice else ("gp", "therapist")
    csv = monthly_rows_per_gp(referrals, period=Period.year(year))
    return release_year(scope, year, people=people, csv=csv)


def _people_rows(release: Release, period: Period, dimension: str, people) -> list:
    rows = []
    names = {"practice": people.practices, "gp": people.gps, "therapist": people.therapists}
    for (name, _n), pk in zip(names[dimension], people.ids[dimension], strict=True):
        if isinstance(pk, tuple):
            parts = [release.shown(period, (dimension, str(p) if p else "")) for p in pk]
            rows.append((name, None if None in parts else sum(parts)))
        else:
            rows.append((name, release.shown(period, (dimension, str(pk) if pk else ""))))
    return rows


def build_dashboard(
    scope: CellScope, *, period: Period, release: Release, by_practice: bool = False
) -> Dashboard:
    """Every figure of the dashboard (and its PDF) for the cells of `scope` in `period`, as
    `release` lets them be shown.

    Two queries on the cells, and at most three for the names in the people lists, whatever
    the number of referrals or professionals.
    """
    counts = cell_totals(scope, period)

    def shown(*figure) -> int | None:
        return release.shown(period, figure)

    months = [
        (month, release.shown(Period.month(month.year, month.month), ("sent",)))
        for month in period.months
    ]
    month_chart = chart(
        [(month_label(month), count) for month, count in months],
        title=gettext("Referrals sent per month"),
        category_axis=gettext("Month"),
    )

    # Over all practices a list per GP (thousands of them) says little and costs the most to
    # add up; the administrator chooses a practice to see its GPs.
    dimensions = ("practice", "therapist") if by_practice else ("gp", "therapist")
    people = people_counts(scope, period, dimensions=dimensions)
    splits = []
    if by_practice:
        splits.append(
            _split(
                "practice",
                gettext("Referrals per practice"),
                gettext("Practice"),
                _people_rows(release, period, "practice", people),
            )
        )
    else:
        rows = _people_rows(release, period, "gp", people)
        splits.append(_split("gp", gettext("Referrals per GP"), gettext("GP"), rows))
    splits += [
        _split(
            "therapist",
            gettext("Referrals per running therapist"),
            gettext("Running therapist"),
            _people_rows(release, period, "therapist", people),
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
        rows = [
            # An ICPC complaint as the GP chose it: code and label (referrals.icpc).
            (f"{value} {label}" if key == "complaint" else str(label), shown(field_name, value))
            for value, label in choices.choices
        ]
        if key == "status":
            # Statuses nobody is in make the list long and say nothing; the CSV lists them all.
            rows = [
                row
                for row, (value, _label) in zip(rows, choices.choices, strict=True)
                if release.value(period, (field_name, value))
            ]
        elif release.value(period, (field_name, "")):
            rows.append((gettext("Not given"), shown(field_name, "")))
        splits.append(_split(key, title, heading, rows))

    outcomes = outcome_rows(release, period, counts.days_to_intake, counts.questionnaires)
    antidepressant = [
        (str(label), count_cell(shown("antidepressant", value)))
        for value, label in FollowUp.Antidepressant.choices
    ]
    dashboard = Dashboard(
        period=period,
        months=months,
        month_chart=month_chart,
        splits=splits,
        outcomes=outcomes,
        antidepressant=antidepressant,
        follow_ups=count_cell(shown("follow_ups")),
        total=shown("sent"),
        all_practices=by_practice,
    )
    dashboard.hidden = _hidden_count(dashboard)
    return dashboard


def _hidden_count(dashboard: Dashboard) -> int:
    texts = [row.value for row in dashboard.outcomes] + [row.base for row in dashboard.outcomes]
    texts += [value for _label, value in dashboard.antidepressant]
    numbers = [n for _month, n in dashboard.months]
    numbers += [n for split in dashboard.splits for _label, n in split.rows]
    return texts.count(SUPPRESSED) + numbers.count(None) + (dashboard.total is None)


def outcome_rows(
    release: Release,
    period: Period,
    days: dict[float, int],
    questionnaires: QuestionnaireFigures,
) -> list[OutcomeRow]:
    """The outcome table: each figure with the number of patients it is based on."""

    def shown(*figure) -> int | None:
        return release.shown(period, figure)

    def share(label: str, figure: tuple, base: tuple, base_label: str) -> OutcomeRow:
        return OutcomeRow(
            label, share_cell(shown(*figure), shown(*base)), count_cell(shown(*base)), base_label
        )

    of_sent = gettext("referrals sent")
    of_started = gettext("therapies started")
    rows = [
        share(gettext("Accepted by the therapist"), ("accepted",), ("sent",), of_sent),
        share(gettext("Therapy started"), ("started",), ("sent",), of_sent),
        share(gettext("Therapy completed"), ("completed",), ("started",), of_started),
        share(gettext("Therapy stopped early"), ("stopped",), ("started",), of_started),
    ]
    rows.append(
        OutcomeRow(
            gettext("Median time from sending to intake"),
            days_cell(weighted_median(days), bool(shown("median"))),
            count_cell(shown("intake")),
            gettext("referrals with an intake"),
        )
    )
    for week in QUESTIONNAIRE_WEEKS:
        rows.append(
            share(
                gettext("PHQ-9 and GAD-7 completed in week %(week)s") % {"week": week},
                ("week", week),
                ("started",),
                of_started,
            )
        )
    for code, change in questionnaires.changes.items():
        with_both = gettext("patients with week %(a)s and week %(b)s") % {
            "a": CHANGE_FROM_WEEK,
            "b": CHANGE_TO_WEEK,
        }
        # An average, and the share reliably improved, need SMALL_AVERAGE patients: the
        # release hides ("mean", code) below that.
        average = bool(shown("mean", code))
        rows.append(
            OutcomeRow(
                gettext("Mean %(code)s change, week %(a)s to %(b)s")
                % {"code": code, "a": CHANGE_FROM_WEEK, "b": CHANGE_TO_WEEK},
                change_cell(change.mean, average),
                count_cell(shown("score_n", code)),
                with_both,
            )
        )
        improved = shown("improved", code) if average else None
        rows.append(
            OutcomeRow(
                gettext("%(code)s reliably improved") % {"code": code},
                share_cell(improved, shown("score_n", code)),
                count_cell(shown("score_n", code)),
                with_both,
            )
        )
    rows += recovery_rows(share)
    rows.append(
        share(
            gettext("Follow-up held by the GP"), FOLLOWED_UP, ("ended",), gettext("therapies ended")
        )
    )
    return rows


def recovery_rows(share) -> list[OutcomeRow]:
    """Caseness, recovery and reliable recovery as NHS Talking Therapies count them
    (outcomes.recovery): from week 0 to the last week with both PHQ-9 and GAD-7."""
    paired = ("recovery", PAIRED)
    cases = ("recovery", CASE)
    of_cases = gettext("cases at the start")
    return [
        share(
            gettext("Case at the start (PHQ-9 ≥ 10 or GAD-7 ≥ 8)"),
            cases,
            paired,
            gettext("paired patients (week 0 and a later week)"),
        ),
        share(gettext("Recovered"), ("recovery", RECOVERED), cases, of_cases),
        share(gettext("Reliably recovered"), ("recovery", RELIABLY_RECOVERED), cases, of_cases),
    ]
