"""Outcomes as NHS Talking Therapies (formerly IAPT) count them, from a pair of PHQ-9 and GAD-7
totals at the start and at the end. Pure functions: no queries, no clock.

Source: NHS Talking Therapies for anxiety and depression manual (NHS England, 2023; before:
the IAPT Manual) and the NHS Talking Therapies / IAPT data handbook, "Recovery, reliable
improvement and reliable deterioration":

- caseness at the start: PHQ-9 >= 10 or GAD-7 >= 8 (the clinical cut-offs);
- reliable improvement: PHQ-9 down by >= 6 or GAD-7 down by >= 4, and neither up by its own
  reliable change threshold;
- reliable deterioration: PHQ-9 up by >= 6 or GAD-7 up by >= 4;
- recovery: a case at the start, below both cut-offs at the end (PHQ-9 < 10 and GAD-7 < 8);
- reliable recovery: recovery and reliable improvement.

The reliable change thresholds are the instruments' own (outcomes.instruments); the cut-offs
are here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .instruments import GAD7, PHQ9

#: The clinical cut-offs: a score at or above it is a case.
PHQ9_CASE_FROM = 10
GAD7_CASE_FROM = 8

#: The outcome codes, one per patient with a pair of scores (dashboard.counts stores them).
NOT_CASE = "not_case"
NOT_RECOVERED = "not_recovered"
RECOVERED = "recovered"
RELIABLY_RECOVERED = "reliably_recovered"

OUTCOME_LABELS: dict[str, Promise] = {
    NOT_CASE: _("not a case at the start"),
    NOT_RECOVERED: _("not recovered"),
    RECOVERED: _("recovered"),
    RELIABLY_RECOVERED: _("reliably recovered"),
}


@dataclass(frozen=True)
class Scores:
    """The PHQ-9 and GAD-7 totals at one point in time."""

    phq9: int
    gad7: int


def _check(scores: Scores) -> None:
    for name, value, top in (("PHQ-9", scores.phq9, 27), ("GAD-7", scores.gad7, 21)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise ValueError(f"{name} total must be an integer 0..{top}, not {value!r}.")


def is_case(scores: Scores) -> bool:
    """Caseness: PHQ-9 >= 10 or GAD-7 >= 8."""
    _check(scores)
    return scores.phq9 >= PHQ9_CASE_FROM or scores.gad7 >= GAD7_CASE_FROM


def reliably_deteriorated(start: Scores, end: Scores) -> bool:
    """Either measure up by at least its reliable change threshold (PHQ-9 6, GAD-7 4)."""
    _check(start)
    _check(end)
    return (
        end.phq9 - start.phq9 >= PHQ9.reliable_change_threshold
        or end.gad7 - start.gad7 >= GAD7.reliable_change_threshold
    )


def reliably_improved(start: Scores, end: Scores) -> bool:
    """Either measure down by at least its threshold, and neither up by its threshold."""
    _check(start)
    _check(end)
    down = (
        start.phq9 - end.phq9 >= PHQ9.reliable_change_threshold
        or start.gad7 - end.gad7 >= GAD7.reliable_change_threshold
    )
    return down and not reliably_deteriorated(start, end)


def recovered(start: Scores, end: Scores) -> bool:
    """A case at the start, below both cut-offs at the end."""
    return is_case(start) and not is_case(end)


def reliably_recovered(start: Scores, end: Scores) -> bool:
    """Recovered and reliably improved."""
    return recovered(start, end) and reliably_improved(start, end)


def outcome(start: Scores, end: Scores) -> str:
    """One code per pair: not a case, not recovered, recovered, or reliably recovered."""
    if not is_case(start):
        return NOT_CASE
    if reliably_recovered(start, end):
        return RELIABLY_RECOVERED
    if recovered(start, end):
        return RECOVERED
    return NOT_RECOVERED


@dataclass(frozen=True)
class Summary:
    """Everything a letter or a page shows about one pair of measurements."""

    start_week: int
    end_week: int
    start: Scores
    end: Scores
    case: bool
    improved: bool
    deteriorated: bool
    recovered: bool
    reliably_recovered: bool
    outcome: str

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])


def summarise(totals: dict[tuple[str, int], int], weeks: tuple[int, ...]) -> Summary | None:
    """From {(instrument code, week): total}: the first and the last of `weeks` with both a
    PHQ-9 and a GAD-7 (the start must be the first week); None without two such weeks."""
    paired = [w for w in weeks if (PHQ9.code, w) in totals and (GAD7.code, w) in totals]
    if len(paired) < 2 or paired[0] != weeks[0]:
        return None
    first, last = paired[0], paired[-1]
    start = Scores(totals[PHQ9.code, first], totals[GAD7.code, first])
    end = Scores(totals[PHQ9.code, last], totals[GAD7.code, last])
    return Summary(
        start_week=first,
        end_week=last,
        start=start,
        end=end,
        case=is_case(start),
        improved=reliably_improved(start, end),
        deteriorated=reliably_deteriorated(start, end),
        recovered=recovered(start, end),
        reliably_recovered=reliably_recovered(start, end),
        outcome=outcome(start, end),
    )


def deteriorated_at(totals: dict[tuple[str, int], int], week: int, start_week: int = 0) -> bool:
    """Reliable deterioration from `start_week` to `week` on either measure entered at both:
    PHQ-9 up by >= 6 or GAD-7 up by >= 4 (one measure is enough to tell the GP)."""
    for instrument in (PHQ9, GAD7):
        before = totals.get((instrument.code, start_week))
        after = totals.get((instrument.code, week))
        if (
            before is not None
            and after is not None
            and after - before >= instrument.reliable_change_threshold
        ):
            return True
    return False
