"""Statistical disclosure control of the dashboard: which figures may be shown, and how.

The rules (every table, chart and CSV of dashboard/ goes through `protect`):

1. **Small cells.** A count of 1 to 4 patients is never shown (SMALL_CELL = 5). An average, a
   median or a share of patients that improved needs at least 10 patients (SMALL_AVERAGE). Zero
   is shown: it describes nobody.
2. **Complementary (secondary) suppression.** Whenever a total is visible, the hidden figures
   that add up to it must together count 0 or at least the threshold, and more patients than
   there are hidden figures (so they are not all forced to 1). Otherwise one more figure of
   that row is hidden (the smallest visible one) or, failing that, the total.
3. **Every way to work a figure out counts.** A figure is as good as shown when it follows
   from shown ones: a total from all its parts, a part from its total and the other parts. That
   holds across tables (the status table and the "ended" base of the outcome table; the
   per-GP CSV and the per-GP and per-status tables) and across periods: a year is its four
   quarters, a quarter its three months, and any of them can be chosen, so a year's figures are
   protected together with the figures of all its quarters and months (dashboard.release).
4. **One mark for all hidden figures** (SUPPRESSED, "x"): a small count and a figure hidden
   to protect it look the same, so a reader cannot tell a hidden 1 from a hidden 40. Shares
   are shown only when their count and their base are both shown.
5. **Figures that nest by chance.** Beyond the relations, figures of different tables can
   count nested groups of patients in one year's data (one GP's referrals of a month all went
   to one therapist; every declined referral was accepted first). Given who each figure
   counts (`Populations`), no shown or derivable figure minus another that counts a part of
   its patients, nor minus disjoint shown parts of it (taken largest first, per table and all
   together), may leave 1 to 4 patients, nor an average of fewer than 10. Checked after the
   relations hold, and again only where something was hidden since (`_Nesting`): a check of
   that attack, not an exact elimination, which was correct but took seconds per request.

Sources: the threshold 5 and the rule that suppressed cells must not be recoverable by
subtraction ("secondary suppression") are the common "small numbers" rule of health statistics
(e.g. NHS Digital's disclosure control for Hospital Episode Statistics before 2018: values 1 to
5 replaced by "*", then secondary suppression so that no small value can be recalculated; the
Washington State Department of Health small numbers guidelines); the larger minimum for
averages follows NHS Digital's rule that a mean or median is computed only from at least 8
values below national level (we take 10). The mark "x" is the sign CBS uses for "geheim"
(confidential) in its tables. How a cell becomes known through the totals of linked tables is
the cell suppression problem as CBS's statisticians describe it (Hundepool et al., "Statistical
Disclosure Control", Wiley 2012); the greedy search here is simpler than their optimal one and
may hide more than needed, never less (against the relations it is given and rule 5).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import ngettext

SMALL_CELL = 5
SMALL_AVERAGE = 10
SUPPRESSED = "x"

Key = Hashable


# --- Which figures may be shown -----------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """`total` is the sum of `parts` (a row and its total, a quarter and its months)."""

    total: Key
    parts: tuple[Key, ...]
    threshold: int = SMALL_CELL


@dataclass
class Protected:
    """The outcome of `protect`: the values, and which of them may be shown."""

    values: dict[Key, int]
    hidden: set[Key] = field(default_factory=set)

    def shown(self, key: Key) -> int | None:
        """The value of `key` (0 when it has none), or None when it is hidden."""
        if key in self.hidden:
            return None
        return self.values.get(key, 0)


def _too_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


class _Closure:
    """Every figure an attacker knows from the shown ones, and how they learnt it."""

    def __init__(self, values, relations, by_key, shown: set[Key]) -> None:
        self.known = set(shown)
        self.derived_by: dict[Key, Relation] = {}
        queue = list(relations)
        while queue:
            relation = queue.pop()
            learnt = self._learn(relation)
            if learnt is not None:
                self.known.add(learnt)
                self.derived_by[learnt] = relation
                queue.extend(by_key[learnt])

    def _learn(self, relation: Relation) -> Key | None:
        unknown = [part for part in relation.parts if part not in self.known]
        if relation.total in self.known:
            return unknown[0] if len(unknown) == 1 else None
        return relation.total if not unknown else None


def protect(
    values: dict[Key, int],
    relations: Iterable[Relation],
    *,
    thresholds: dict[Key, int] | None = None,
    never_shown: Iterable[Key] = (),
    populations: Populations | None = None,
) -> Protected:
    """Hide the figures that rules 1-3 forbid, and as few others as the greedy search finds.

    `values`: every figure that is shown somewhere, and the ones that are not but follow from
    them (`never_shown`, e.g. "not accepted" = sent - accepted). `thresholds`: a key's own
    minimum where it is not SMALL_CELL (averages: SMALL_AVERAGE). The result never lets a
    figure below its threshold be worked out, nor a sum of hidden figures below a relation's.
    `populations`: which patients each figure counts (rule 5, `Populations`), so that figures
    that happen to nest (one GP's referrals all went to one therapist) are checked too.
    """
    thresholds = thresholds or {}
    nesting = _Nesting(populations, thresholds) if populations else None
    # A figure missing from `values` is zero: shown, and adding nothing to a sum.
    relations = [
        Relation(r.total, parts, r.threshold)
        for r in relations
        if r.total in values and (parts := tuple(p for p in r.parts if p in values))
    ]
    by_key: dict[Key, list[Relation]] = defaultdict(list)
    for relation in relations:
        for key in (relation.total, *relation.parts):
            by_key[key].append(relation)
    hidden = set(never_shown)
    hidden |= {k for k, v in values.items() if _too_small(v, thresholds.get(k, SMALL_CELL))}
    while True:
        closure = _Closure(values, relations, by_key, set(values) - hidden)
        more = set()
        for key in closure.known:
            if _too_small(values[key], thresholds.get(key, SMALL_CELL)):
                more.add(_culprit(closure, closure.derived_by.get(key), hidden, values, key))
        for relation in relations:
            if relation.total in closure.known and _leaks(relation, closure.known, values):
                more.add(_culprit(closure, relation, hidden, values, None))
        if not more and nesting is not None:
            # Only once the relations hold: the nesting check is the costlier one.
            more = {_hideable(closure, hidden, values, key) for key in nesting.leaks(closure)}
        if None in more:
            # No shown figure to blame (not expected): show nothing rather than too much.
            return Protected(values=values, hidden=set(values))
        if not more:
            return Protected(values=values, hidden=hidden)
        hidden |= more


def _leaks(relation: Relation, known: set[Key], values: dict[Key, int]) -> bool:
    """Do the hidden parts of a known total add up to too few patients (rule 2)?"""
    unknown = [values[part] for part in relation.parts if part not in known]
    total = sum(unknown)
    nonzero = sum(1 for value in unknown if value)
    return total > 0 and (total < relation.threshold or total < nonzero + 1)


def _culprit(
    closure: _Closure,
    relation: Relation | None,
    hidden: set[Key],
    values: dict,
    exclude: Key | None,
    seen: set[Relation] | None = None,
) -> Key | None:
    """A shown figure to hide so `relation` gives less away: its smallest shown part that is
    not zero; else what a derived part was worked out from; else its total."""
    seen = set() if seen is None else seen
    if relation is None or relation in seen:
        return None
    seen.add(relation)
    parts = [p for p in relation.parts if p != exclude and p in closure.known and values[p]]
    # Sorted by value and then by name: every process must choose the same figures, or the
    # page and a CSV served by two processes could hide different ones.
    parts.sort(key=lambda p: (values[p], repr(p)))
    total = [relation.total] if relation.total != exclude else []
    for group in (parts, total):
        for key in group:
            if key not in hidden and key not in closure.derived_by:
                return key
        for key in group:
            if key in closure.derived_by:
                found = _culprit(closure, closure.derived_by[key], hidden, values, key, seen)
                if found is not None:
                    return found
    return None


def _hideable(closure: _Closure, hidden: set[Key], values: dict, key: Key) -> Key | None:
    """`key` itself when it is shown; when it is worked out, a shown figure it follows from."""
    if key not in hidden:
        return key
    return _culprit(closure, closure.derived_by.get(key), hidden, values, key)


# --- Figures that nest by chance (rule 5) -------------------------------------------------------


@dataclass
class Populations:
    """Who each figure counts: {key: a bit per patient}, and the family of each key.

    Two figures of different tables can count nested groups of patients by chance, not by
    any relation: one GP's referrals of a month that all went to the same therapist, the
    declined referrals that all counted as accepted first. An attacker who knows the
    practice sees that, so the difference of two such figures, or a figure minus shown
    figures that count disjoint parts of it (taken per family, e.g. the rows of one table,
    and all together), must not be 1 to 4 patients (SMALL_AVERAGE for averages, which are
    compared only with averages of their own family).
    """

    bits: dict[Key, int]
    family: dict[Key, Hashable]
    #: The families of averages (their threshold is SMALL_AVERAGE, only compared among them).
    averages: frozenset = frozenset()


class _Nesting:
    """Per figure, the figures that count a proper part of its patients (found once), and the
    leaks among those known (checked again only where something was hidden since)."""

    def __init__(self, populations: Populations, thresholds: dict[Key, int]) -> None:
        self.populations = populations
        self.thresholds = thresholds
        bits = populations.bits
        groups: dict[int, list[Key]] = defaultdict(list)
        for key in sorted(bits, key=repr):
            if bits[key]:
                groups[bits[key]].append(key)
        # Keys counting the same patients stand and fall together: one entry per population.
        self.keys = groups
        self.ordered = sorted(groups, key=lambda p: (p.bit_count(), repr(groups[p][0])))
        rank = {population: index for index, population in enumerate(self.ordered)}
        # The callers number the patients by month, so a part of a month's figure lies between
        # its lowest and highest bit: only those are tried.
        by_low = sorted(self.ordered, key=lambda p: ((p & -p).bit_length(), rank[p]))
        lows = [(p & -p).bit_length() for p in by_low]
        self.within: dict[int, list[int]] = {}
        self.containing: dict[int, list[int]] = defaultdict(list)
        for outer in self.ordered:
            size, high = outer.bit_count(), outer.bit_length()
            start = bisect_left(lows, (outer & -outer).bit_length())
            stop = bisect_right(lows, high)
            inside = [
                inner
                for inner in by_low[start:stop]
                if inner.bit_count() < size and not inner & ~outer
            ]
            # Largest first, as an attacker packs parts into a whole.
            inside.sort(key=lambda p: -rank[p])
            self.within[outer] = inside
            for inner in inside:
                self.containing[inner].append(outer)
        self.last_known: set[Key] | None = None
        self.leaky: set[int] = set()

    def _threshold(self, key: Key) -> int:
        return self.thresholds.get(key, SMALL_CELL)

    def _to_check(self, known: set[Key]) -> list[int]:
        if self.last_known is None or known - self.last_known:
            return self.ordered
        bits = self.populations.bits
        touched = set(self.leaky)
        for key in self.last_known - known:
            population = bits.get(key)
            if population:
                touched.add(population)
                touched.update(self.containing[population])
        return [population for population in self.ordered if population in touched]

    def leaks(self, closure: _Closure) -> list[Key]:
        """For each leak, the figure to hide: the smaller of two, the smallest part of a sum."""
        known = closure.known
        family = self.populations.family
        averages = self.populations.averages
        found = []
        check = self._to_check(known)
        self.last_known = set(known)
        self.leaky -= set(check)
        for outer in check:
            tops = [key for key in self.keys[outer] if key in known]
            if not tops:
                continue
            size = outer.bit_count()
            inner_known = [
                (inner, key)
                for inner in self.within[outer]
                for key in self.keys[inner]
                if key in known
            ]
            for top in tops:
                threshold = self._threshold(top)
                averaged = family[top] in averages
                if averaged:
                    parts = [(i, key) for i, key in inner_known if family[key] == family[top]]
                else:
                    parts = [(i, key) for i, key in inner_known if family[key] not in averages]
                # Two figures: the larger minus the smaller.
                culprit = next(
                    (key for inner, key in parts if size - inner.bit_count() < threshold), None
                )
                if culprit is None:
                    culprit = self._packing(parts, size, threshold, family, averaged)
                if culprit is not None:
                    found.append(culprit)
                    self.leaky.add(outer)
        return found

    @staticmethod
    def _packing(parts, size: int, threshold: int, family, averaged: bool) -> Key | None:
        """A figure minus disjoint parts of it, largest first (per family, and all together)."""
        families: dict[Hashable, list] = defaultdict(list)
        for inner, key in parts:
            families[family[key]].append((inner, key))
        groups = list(families.values()) if not averaged else []
        groups.append(parts)
        for group in groups:
            taken, total, used = 0, 0, []
            for inner, key in group:
                if not inner & taken:
                    taken |= inner
                    total += inner.bit_count()
                    used.append(key)
            if total and 0 < size - total < threshold:
                return used[-1]
        return None


# --- How shown and hidden figures read ----------------------------------------------------------


def count_cell(count: int | None) -> str:
    """A count that `protect` let through, or SUPPRESSED (None)."""
    return SUPPRESSED if count is None else formats.number_format(count)


def share_cell(count: int | None, total: int | None) -> str:
    """ "12 (60%)"; only the count when its base is hidden (the share would give the base
    away); SUPPRESSED when the count is hidden or zero of a hidden base."""
    if count is None:
        return SUPPRESSED
    if total is None:
        return formats.number_format(count)
    if total == 0:
        return formats.number_format(count)
    return f"{formats.number_format(count)} ({round(100 * count / total)}%)"


def _decimal(value: float) -> str:
    return formats.number_format(round(value, 1), decimal_pos=1)


def days_cell(median: float | None, shown: bool) -> str:
    if median is None or not shown:
        return SUPPRESSED
    whole = median == int(median)
    text = formats.number_format(int(median)) if whole else _decimal(median)
    return ngettext("%(days)s day", "%(days)s days", int(median) if whole else 2) % {"days": text}


def change_cell(mean: float | None, shown: bool) -> str:
    if mean is None or not shown:
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
