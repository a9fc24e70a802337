"""The reports: referrals per month, splits, outcome figures and the CSV rows, all aggregated.

Scope: a user's scope is decided in one place per source. The dashboard and the outcome figures
read the pre-aggregated cells of `cell_scope(user)` (dashboard.counts); the monthly CSV
per GP counts the referrals of `referrals_for_dashboard(user)`. The two agree by construction of
the cells (tests compare them for every role). Neither reads patients, notes or free text: only
ids, names of professionals, choice values, dates and questionnaire totals.

Cost: a fixed number of queries whatever the number of referrals, GPs or therapists. The
dashboard adds up cells (a few hundred rows for one practice and a year); the CSV groups the
referrals in the database, one row per month, practice and GP.

Privacy: outcome figures based on fewer than SMALL_CELL patients, and counts below SMALL_CELL in
the outcome tables, are shown as "<5". Monthly referral counts and their splits are plain counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from referrals.models import FollowUp
from referrals.schedule import QUESTIONNAIRE_WEEKS

from .cells import CATEGORIES, QuestionnaireFigures, cell_totals, column_name, people_counts
from .charts import bar_chart_svg
from .period import Period
from .scope import CellScope
from .suppression import change_cell, count_cell, days_cell, share_cell, weighted_median

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
    rows = [(str(label), totals.get(column_name(field_name, value), 0)) for value, label in choices]
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
        (str(label), count_cell(totals.get(column_name("antidepressant", value), 0)))
        for value, label in FollowUp.Antidepressant.choices
    ]
    follow_ups = sum(
        totals.get(column_name("antidepressant", v), 0) for v in FollowUp.Antidepressant
    )
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
