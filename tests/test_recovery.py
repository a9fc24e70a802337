"""Outcomes as NHS Talking Therapies count them (outcomes.recovery), on hand-computed cases.

Every expected value below was worked out by hand from the definitions (NHS Talking Therapies
manual / IAPT data handbook): caseness PHQ-9 >= 10 or GAD-7 >= 8; reliable improvement PHQ-9
down >= 6 or GAD-7 down >= 4 and neither up by its threshold; reliable deterioration either up
by its threshold; recovery a case at the start below both cut-offs at the end; reliable recovery
both. The comment on each row is the hand computation.
"""

import pytest

from outcomes import recovery
from outcomes.recovery import (
    NOT_CASE,
    NOT_RECOVERED,
    RECOVERED,
    RELIABLY_RECOVERED,
    Scores,
    deteriorated_at,
    summarise,
)

# (PHQ-9 start, GAD-7 start, PHQ-9 end, GAD-7 end,
#  case, improved, deteriorated, recovered, reliably recovered, outcome)
CASES = [
    # 15>=10 case; PHQ -9, GAD -7: improved; end 6<10, 5<8: recovered -> reliable recovery.
    (15, 12, 6, 5, True, True, False, True, True, RELIABLY_RECOVERED),
    # 9<10 and 7<8: not a case; PHQ -6: improved all the same; no recovery without caseness.
    (9, 7, 3, 2, False, True, False, False, False, NOT_CASE),
    # PHQ 10 is a case; -1 is no reliable change; end 9, 0 below both: recovered, not reliably.
    (10, 0, 9, 0, True, False, False, True, False, RECOVERED),
    # GAD 8 is a case; -1 no change; end 0, 7 below both: recovered, not reliably.
    (0, 8, 0, 7, True, False, False, True, False, RECOVERED),
    # Case; PHQ -6 improved; end PHQ 14 still a case: not recovered.
    (20, 15, 14, 11, True, True, False, False, False, NOT_RECOVERED),
    # Case; PHQ +6: deteriorated, so not improved; end 18 a case.
    (12, 10, 18, 10, True, False, True, False, False, NOT_RECOVERED),
    # Case; PHQ -7 but GAD +4: deteriorated, not improved; end GAD 14 a case.
    (12, 10, 5, 14, True, False, True, False, False, NOT_RECOVERED),
    # Case; PHQ -7, GAD +3 (below 4): improved, not deteriorated; end GAD 9 a case.
    (14, 6, 7, 9, True, True, False, False, False, NOT_RECOVERED),
    # Case; -2 and -2: no reliable change; end 9, 7 below both: recovered only.
    (11, 9, 9, 7, True, False, False, True, False, RECOVERED),
    # Case; PHQ -6: improved; end 5, 7 below both: reliable recovery.
    (11, 9, 5, 7, True, True, False, True, True, RELIABLY_RECOVERED),
    # Case; GAD -5: improved; end PHQ 10 still a case: not recovered.
    (11, 9, 10, 4, True, True, False, False, False, NOT_RECOVERED),
    # 4, 3 not a case; PHQ +6: deteriorated.
    (4, 3, 10, 3, False, False, True, False, False, NOT_CASE),
    # Not a case; +5 and +3: below both thresholds, nothing reliable.
    (4, 3, 9, 6, False, False, False, False, False, NOT_CASE),
    # The extremes down: case, improved, recovered, reliably.
    (27, 21, 0, 0, True, True, False, True, True, RELIABLY_RECOVERED),
    # The extremes up: not a case at the start, deteriorated.
    (0, 0, 27, 21, False, False, True, False, False, NOT_CASE),
    # Exactly at both cut-offs, unchanged: a case, still a case.
    (10, 8, 10, 8, True, False, False, False, False, NOT_RECOVERED),
    # Case; PHQ -6 improved; end PHQ 10 (the cut-off is a case): not recovered.
    (16, 3, 10, 3, True, True, False, False, False, NOT_RECOVERED),
    # Case; PHQ -7 but GAD +4: deteriorated; end 9, 7 below both: recovered, not reliably.
    (16, 3, 9, 7, True, False, True, True, False, RECOVERED),
    # GAD 12 a case; GAD -5 improved; end 5, 7 below both: reliable recovery.
    (5, 12, 5, 7, True, True, False, True, True, RELIABLY_RECOVERED),
    # Case; GAD -3: no change; end GAD 9 a case.
    (5, 12, 5, 9, True, False, False, False, False, NOT_RECOVERED),
    # GAD 8 a case; PHQ -6 improved; end 3, 7 below both: reliable recovery.
    (9, 8, 3, 7, True, True, False, True, True, RELIABLY_RECOVERED),
    # Case; -5 and -3: neither reaches its threshold; end GAD 8 a case.
    (13, 11, 8, 8, True, False, False, False, False, NOT_RECOVERED),
    # Case; PHQ -6 but GAD +4: deteriorated; end GAD 11 a case.
    (10, 7, 4, 11, True, False, True, False, False, NOT_RECOVERED),
    # Not a case, unchanged: nothing.
    (9, 7, 9, 7, False, False, False, False, False, NOT_CASE),
]


@pytest.mark.parametrize(
    (
        "phq_start",
        "gad_start",
        "phq_end",
        "gad_end",
        "case",
        "improved",
        "deteriorated",
        "recovered",
        "reliable",
        "outcome",
    ),
    CASES,
)
def test_outcomes_match_the_hand_computed_table(
    phq_start,
    gad_start,
    phq_end,
    gad_end,
    case,
    improved,
    deteriorated,
    recovered,
    reliable,
    outcome,
):
    start, end = Scores(phq_start, gad_start), Scores(phq_end, gad_end)
    assert recovery.is_case(start) is case
    assert recovery.reliably_improved(start, end) is improved
    assert recovery.reliably_deteriorated(start, end) is deteriorated
    assert recovery.recovered(start, end) is recovered
    assert recovery.reliably_recovered(start, end) is reliable
    assert recovery.outcome(start, end) == outcome


def test_the_table_has_at_least_20_cases_and_covers_every_outcome():
    assert len(CASES) >= 20
    assert {row[-1] for row in CASES} == {NOT_CASE, NOT_RECOVERED, RECOVERED, RELIABLY_RECOVERED}


def test_the_table_adds_up_as_a_service_would_report_it():
    """Counted by hand over the table: 19 cases; 9 recovered of them, 5 of those reliably."""
    starts = [Scores(r[0], r[1]) for r in CASES]
    ends = [Scores(r[2], r[3]) for r in CASES]
    pairs = list(zip(starts, ends, strict=True))
    assert sum(recovery.is_case(s) for s in starts) == 19
    assert sum(recovery.recovered(s, e) for s, e in pairs) == 9
    assert sum(recovery.reliably_recovered(s, e) for s, e in pairs) == 5


@pytest.mark.parametrize("bad", [-1, 28, 1.5, True, None, "10"])
def test_a_total_outside_the_instrument_is_refused(bad):
    with pytest.raises(ValueError):
        recovery.is_case(Scores(bad, 0))


def test_summarise_takes_week_0_and_the_last_week_with_both_questionnaires():
    totals = {("PHQ-9", 0): 15, ("GAD-7", 0): 12, ("PHQ-9", 5): 9, ("GAD-7", 5): 8}
    totals[("PHQ-9", 10)] = 6  # week 10 without its GAD-7: not a pair
    summary = summarise(totals, (0, 5, 10))
    assert (summary.start_week, summary.end_week) == (0, 5)
    assert summary.start == Scores(15, 12) and summary.end == Scores(9, 8)
    assert summary.case and summary.improved and not summary.recovered  # GAD-7 8 is a case
    totals[("GAD-7", 10)] = 5
    assert summarise(totals, (0, 5, 10)).outcome == RELIABLY_RECOVERED


def test_summarise_needs_week_0_and_a_later_pair():
    assert summarise({("PHQ-9", 0): 15, ("GAD-7", 0): 12}, (0, 5, 10)) is None
    assert (
        summarise(
            {("PHQ-9", 5): 15, ("GAD-7", 5): 12, ("PHQ-9", 10): 4, ("GAD-7", 10): 3}, (0, 5, 10)
        )
        is None
    )


@pytest.mark.parametrize(
    ("totals", "week", "expected"),
    [
        ({("PHQ-9", 0): 10, ("PHQ-9", 5): 16}, 5, True),  # +6 on PHQ-9 alone
        ({("PHQ-9", 0): 10, ("PHQ-9", 5): 15}, 5, False),  # +5
        ({("GAD-7", 0): 5, ("GAD-7", 10): 9}, 10, True),  # +4 on GAD-7
        ({("GAD-7", 0): 5, ("GAD-7", 10): 8, ("PHQ-9", 0): 3, ("PHQ-9", 10): 8}, 10, False),
        ({("GAD-7", 5): 20}, 5, False),  # no week 0
    ],
)
def test_deterioration_at_a_week_needs_one_measure_up_by_its_threshold(totals, week, expected):
    assert deteriorated_at(totals, week) is expected
