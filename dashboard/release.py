"""What the reports release for one scope and one calendar year, protected as one whole.

A user can choose the year, each of its quarters and each of its months, and every page has
the same tables; the per-GP CSV has a row per month and GP. So the figures of all 17 periods
and of the CSV are handed to dashboard.suppression together, with every way they add up:

- within a period: each split (status, complaint, purpose, funding, GP or practice, therapist)
  adds up to the referrals sent; each share's count and the rest add up to its base ("accepted"
  and "not accepted" to "sent"); "ended" is the completed, stopped and followed-up statuses; the
  follow-ups are the antidepressant answers;
- across periods: a quarter is its months, a year its quarters, for every figure;
- the CSV: a GP's row is its statuses, it adds up to the GP's referrals that month, and the
  rows of a status add up to that status's referrals that month.

Beside the relations, the year's facts of the scope (dashboard.counts' CountFact rows) say who
each figure counts, so that figures nesting by chance are checked too (suppression rule 5).
Whatever the page or a CSV shows, for whichever period, is read from the one `Release`. Its
outcome is cached under a digest of every input (the figures and the facts): the search runs
once per change of the year's figures, and a changed figure always misses the cache.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache

from outcomes.instruments import INSTRUMENTS
from outcomes.recovery import RECOVERED, RELIABLY_RECOVERED
from referrals.icpc import Icpc
from referrals.models import FollowUp, Funding, Purpose, Status
from referrals.schedule import QUESTIONNAIRE_WEEKS

from . import counts
from .models import CountCell, CountFact
from .period import MONTH, Period, children, year_tree
from .scope import CellScope
from .suppression import SMALL_AVERAGE, SMALL_CELL, Populations, Protected, Relation, protect

#: The splits that add up to the referrals sent, with the values they know (others: "").
CHOICES = {"complaint": Icpc, "purpose": Purpose, "funding": Funding}
SPLITS = ("status", "complaint", "purpose", "funding")
ENDED = (Status.COMPLETED, Status.STOPPED, Status.FOLLOWED_UP)
FOLLOWED_UP = ("status", Status.FOLLOWED_UP)

Figure = tuple
#: The "recovery" figure's values, each a part of the one before (dashboard.counts).
RECOVERY_VALUES = (counts.PAIRED, counts.CASE, RECOVERED, RELIABLY_RECOVERED)


@dataclass(frozen=True)
class CsvRow:
    """The counts of one GP in one practice and month (dashboard.monthly)."""

    month: date
    practice_id: int
    gp_id: int
    counts: dict[str, int]


#: Figures that count a part of the one after them, as the lifecycle guarantees (a therapy
#: starts after the intake, which follows the acceptance; only a started therapy ends; only an
#: ended one is followed up): any two of them differ by a count of patients.
LIFECYCLE = (("sent",), ("accepted",), ("intake",), ("started",), ("ended",), FOLLOWED_UP)
IN_THERAPY = tuple(("status", s) for s in (Status.IN_THERAPY, *ENDED))


def _shares() -> list[tuple[Figure, Figure]]:
    """(part, whole): figures that count a part of another (a share's count and its base, the
    lifecycle's steps), so their difference is a count of patients too."""
    pairs = [(a, b) for i, b in enumerate(LIFECYCLE) for a in LIFECYCLE[i + 1 :]]
    pairs += [(("completed",), ("started",)), (("stopped",), ("started",))]
    pairs += [(("follow_ups",), FOLLOWED_UP), (("follow_ups",), ("ended",))]
    pairs += [(status, ("started",)) for status in IN_THERAPY if status != FOLLOWED_UP]
    pairs += [(("week", week), ("started",)) for week in QUESTIONNAIRE_WEEKS]
    for code in INSTRUMENTS:
        pairs += [(("score_n", code), ("started",)), (("improved", code), ("score_n", code))]
    # NHS Talking Therapies outcomes: paired patients, the cases among them, the recovered
    # cases, the reliably recovered among those (outcomes.recovery).
    chain = [("started",), *(("recovery", value) for value in RECOVERY_VALUES)]
    pairs += [(part, whole) for whole, part in itertools.pairwise(chain)]
    # A pair needs week 0 complete; a complete later week with week 0 is a pair, and so mostly
    # is a score change from week 0 to 10. (Where one of these is not a part of the pairs in
    # some month, release_year drops the share: there is no rest that counts patients.)
    paired = ("recovery", counts.PAIRED)
    pairs += [(paired, ("week", 0))]
    pairs += [(("week", week), paired) for week in QUESTIONNAIRE_WEEKS if week]
    pairs += [(("score_n", code), paired) for code in INSTRUMENTS]
    return pairs


def rest(figure: Figure, base: Figure) -> Figure:
    """The patients of `base` not counted by `figure`: never shown, only related. Keyed by both,
    as a figure can be a part of more than one base (a complete week of the therapies started
    and of the pairs)."""
    return ("not", *figure, "of", *base)


def _month_figures(
    raw: dict[tuple[str, str], int], people: tuple[str, ...], shares: list | None = None
) -> dict:
    """The figures of one month from its cells ({(dimension, value): n}), or of one referral
    from what it adds to them."""
    found: dict[Figure, int] = defaultdict(int)
    for (dimension, value), n in raw.items():
        if dimension in ("sent", "accepted", "started", "completed", "stopped"):
            found[(dimension,)] += n
        elif dimension in CHOICES:
            found[(dimension, value if value in CHOICES[dimension].values else "")] += n
        elif dimension == "status" or dimension in people:
            found[(dimension, value)] += n
        elif dimension == "complete_week":
            found[("week", int(value))] += n
        elif dimension == "score_n":
            found[("score_n", value)] += n
            found[("mean", value)] += n
        elif dimension == "score_improved":
            found[("improved", value)] += n
        elif dimension == "intake_days":
            found[("intake",)] += n
            found[("median",)] += n
        elif dimension == "recovery":
            found[("recovery", value)] += n
        elif dimension == "antidepressant":
            found[("antidepressant", value)] += n
            found[("follow_ups",)] += n
    found[("ended",)] = sum(found.get(("status", status), 0) for status in ENDED)
    for figure, base in _shares() if shares is None else shares:
        found[rest(figure, base)] = found.get(base, 0) - found.get(figure, 0)
    return found


def year_cells(scope: CellScope, year: int, people: tuple[str, ...]) -> dict[date, dict]:
    """{month: {(dimension, value): n}} for the year: one query on the cells."""
    found: dict[date, dict] = defaultdict(dict)
    if scope is None:
        return found
    rows = CountCell.objects.filter(
        scope=scope[0],
        scope_id=scope[1],
        month__gte=date(year, 1, 1),
        month__lte=date(year, 12, 1),
        dimension__in=(*counts.FIGURES, *people),
    ).values_list("month", "dimension", "value", "n")
    for month, dimension, value, n in rows:
        found[month][dimension, value] = n
    return found


@dataclass
class Release:
    """The protected figures of a year: `shown(period, figure)` is a number or None."""

    year: int
    protected: Protected

    def shown(self, period: Period, figure: Figure) -> int | None:
        return self.protected.shown((period, figure))

    def value(self, period: Period, figure: Figure) -> int:
        """The true value, for computing a shown share or for tests; never for display."""
        return self.protected.values.get((period, figure), 0)


def release_year(
    scope: CellScope, year: int, *, people: tuple[str, ...], csv: Iterable[CsvRow]
) -> Release:
    """Protect everything the reports can show for `scope` in `year` (dashboard.suppression)."""
    cells = year_cells(scope, year, people)
    values: dict[tuple, int] = {}
    nodes = year_tree(year)
    months = [node for node in nodes if node.kind == MONTH]
    per_month = {node: _month_figures(cells.get(node.first, {}), people) for node in months}
    # A share whose count is not always part of its base (a therapy completed without a start
    # date) has no "rest" that counts patients: it is left out of the relations.
    shares = [
        (figure, base)
        for figure, base in _shares()
        if all(found.get(rest(figure, base), 0) >= 0 for found in per_month.values())
    ]
    dropped = {rest(figure, base) for figure, base in _shares()} - {
        rest(figure, base) for figure, base in shares
    }
    # In a fixed order: every process must hide the same figures (dashboard.suppression).
    figures = sorted(set().union(*(f.keys() for f in per_month.values())) - dropped, key=repr)
    relations: list[Relation] = []
    for node in nodes:
        leaves = [month for month in months if node.first <= month.first <= node.last]
        for figure in figures:
            n = sum(per_month[month].get(figure, 0) for month in leaves)
            if n:
                values[node, figure] = n
        for split in (*SPLITS, *people):
            parts = [f for f in figures if len(f) == 2 and f[0] == split]
            relations.append(Relation((node, ("sent",)), tuple((node, f) for f in parts)))
        for figure, base in shares:
            relations.append(Relation((node, base), ((node, figure), (node, rest(figure, base)))))
        relations.append(Relation((node, ("ended",)), tuple((node, ("status", s)) for s in ENDED)))
        answers = tuple((node, ("antidepressant", a)) for a in FollowUp.Antidepressant)
        relations.append(Relation((node, ("follow_ups",)), answers))
        for figure in figures if node.kind != MONTH else ():
            relations.append(
                Relation(
                    (node, figure),
                    tuple((child, figure) for child in children(node)),
                    SMALL_AVERAGE if figure[0] in ("mean", "median") else SMALL_CELL,
                )
            )
    relations += _csv_relations(csv, values, people)
    thresholds = {key: SMALL_AVERAGE for key in values if key[1][0] in AVERAGES}
    never = [key for key in values if key[1][0] == "not"]
    facts = year_facts(scope, year)
    # The outcome depends on nothing else, so it is kept under a digest of exactly these
    # inputs: the cost is paid once per change of the year's figures, not once per request,
    # and a changed figure can never be served an old outcome.
    key = _cache_key(scope, year, people, values, facts)
    hidden = cache.get(key)
    if hidden is None:
        populations = year_populations(facts, people, nodes, values)
        found = protect(
            values, relations, thresholds=thresholds, never_shown=never, populations=populations
        )
        cache.set(key, found.hidden, CACHE_SECONDS)
        return Release(year, found)
    return Release(year, Protected(values=values, hidden=hidden))


#: How long a year's outcome is kept (it is keyed by its inputs, so only for memory's sake).
CACHE_SECONDS = 24 * 3600
#: Part of the cache key: change it whenever the rules of dashboard.suppression change.
RULES_VERSION = 1


def _cache_key(scope, year: int, people, values: dict, facts: list) -> str:
    digest = hashlib.sha256(
        repr((RULES_VERSION, scope, year, people, sorted(values.items(), key=repr), facts)).encode()
    )
    return f"dashboard:release:{digest.hexdigest()}"


#: The figures that are averages (their count is how many patients they average).
AVERAGES = ("mean", "median")
#: Scopes whose patients are read one by one for the nesting check (not all practices: a
#: national figure counts thousands, and the relations alone protect it).
BY_FACT = {counts.PRACTICE: "practice_id", counts.GP: "gp_id", counts.THERAPIST: "therapist_id"}


def family(figure: Figure) -> tuple:
    """Which figures an attacker subtracts together: the rows of one table, one CSV column,
    one figure over the periods (dashboard.suppression.Populations)."""
    if figure[0] in (*SPLITS, "practice", "gp", "therapist", "antidepressant", "csv_total"):
        return (figure[0],)
    if figure[0] == "csv":
        return ("csv", figure[-1])
    return figure


def year_facts(scope: CellScope, year: int) -> list[counts.Fact] | None:
    """The year's referrals of the scope as dashboard.counts counts them, by month: one query
    (a few hundred rows for a practice). None over all practices (see BY_FACT)."""
    if scope is None or scope[0] not in BY_FACT:
        return None
    rows = (
        CountFact.objects.filter(
            **{BY_FACT[scope[0]]: scope[1]},
            month__gte=date(year, 1, 1),
            month__lte=date(year, 12, 1),
        )
        .order_by("month", "referral_id")
        .values_list(*counts.Fact._fields)
    )
    return [counts.Fact(*row) for row in rows]


def year_populations(
    facts: list[counts.Fact] | None, people: tuple[str, ...], nodes: list[Period], values: dict
) -> Populations | None:
    """Which referrals each figure of `values` counts, a bit per referral (numbered by month,
    which dashboard.suppression relies on to look for parts in the right places)."""
    if facts is None:
        return None
    shares = _shares()
    per_month: dict[date, dict[Figure, int]] = defaultdict(lambda: defaultdict(int))
    for index, fact in enumerate(facts):
        bit = 1 << index
        raw = {(dimension, value): n for dimension, value, n in counts.figures(fact)}
        found = per_month[fact.month]
        for figure, n in _month_figures(raw, people, shares).items():
            if n > 0:
                found[figure] |= bit
        found["csv", fact.practice_id, fact.gp_id, fact.status] |= bit
        found["csv_total", fact.practice_id, fact.gp_id] |= bit
    bits: dict[tuple, int] = {}
    for node in nodes:
        merged: dict[Figure, int] = defaultdict(int)
        for month in node.months:
            for figure, population in per_month.get(month, {}).items():
                merged[figure] |= population
        for figure, population in merged.items():
            if (node, figure) in values:
                bits[node, figure] = population
    return Populations(
        bits=bits,
        family={key: family(key[1]) for key in bits},
        averages=frozenset(family(key[1]) for key in bits if key[1][0] in AVERAGES),
    )


def _csv_relations(csv: Iterable[CsvRow], values: dict, people: tuple[str, ...]) -> list:
    """The CSV's cells into `values`, and how they add up to each other and to the page's."""
    relations = []
    columns: dict[tuple, list] = defaultdict(list)
    per_gp: dict[tuple, list] = defaultdict(list)
    for row in sorted(csv, key=lambda row: (row.month, row.practice_id, row.gp_id)):
        node = Period.month(row.month.year, row.month.month)
        total = (node, ("csv_total", row.practice_id, row.gp_id))
        parts = []
        for status, n in row.counts.items():
            key = (node, ("csv", row.practice_id, row.gp_id, status))
            if n:
                values[key] = n
                parts.append(key)
                columns[node, status].append(key)
        if parts:
            values[total] = sum(row.counts.values())
            relations.append(Relation(total, tuple(parts)))
            per_gp[node, row.gp_id].append(total)
    for (node, status), parts in columns.items():
        relations.append(Relation((node, ("status", status)), tuple(parts)))
    if "gp" in people:
        for (node, gp_id), parts in per_gp.items():
            relations.append(Relation((node, ("gp", str(gp_id))), tuple(parts)))
    return relations
