"""PHQ-9 and GAD-7 as data: scoring, bands, the item-9 alert, validation and reliable change."""

import dataclasses

import pytest
from django.utils import translation

from outcomes.instruments import (
    CHANGE_LABELS,
    GAD7,
    INSTRUMENTS,
    PHQ9,
    Instrument,
    InvalidAnswers,
    Score,
    reliable_change,
)

MISSING = "Answer this question."
INVALID = "Choose an answer from 0 to 3."


def answers_for(instrument: Instrument, total: int, *, item9: int | None = None) -> list[int]:
    """Answers adding up to ``total``, filled from the first item; item 9 fixed if given."""
    answers = [0] * len(instrument.items)
    remaining = total
    if item9 is not None:
        answers[8] = item9
        remaining -= item9
    for index in range(len(answers)):
        if item9 is not None and index == 8:
            continue
        answers[index] = min(3, remaining)
        remaining -= answers[index]
    assert remaining == 0, f"can't reach {total} on {instrument.code}"
    assert sum(answers) == total
    return answers


def errors_in_english(exc: InvalidAnswers) -> dict:
    with translation.override("en"):
        return {key: str(message) for key, message in exc.errors.items()}


# --- the data ---------------------------------------------------------------------------------


def test_registry():
    assert INSTRUMENTS == {"PHQ-9": PHQ9, "GAD-7": GAD7}
    assert PHQ9.code == "PHQ-9" and GAD7.code == "GAD-7"
    assert PHQ9.version and GAD7.version


@pytest.mark.parametrize(("instrument", "count", "max_total"), [(PHQ9, 9, 27), (GAD7, 7, 21)])
def test_item_counts_and_max_total(instrument, count, max_total):
    assert len(instrument.items) == count
    assert len(instrument.options) == 4
    assert instrument.max_total == max_total
    assert instrument.bands[-1][0] == max_total


@pytest.mark.parametrize("instrument", [PHQ9, GAD7], ids=["PHQ-9", "GAD-7"])
def test_every_text_is_non_empty_english(instrument):
    with translation.override("en"):
        texts = [instrument.name, instrument.question, *instrument.items, *instrument.options]
        texts += [label for _upper, _band, label in instrument.bands]
        for text in texts:
            assert str(text).strip()
        assert len({str(item) for item in instrument.items}) == len(instrument.items)
        assert [str(option) for option in instrument.options] == [
            "Not at all",
            "Several days",
            "More than half the days",
            "Nearly every day",
        ]


def test_official_wording_of_key_items():
    with translation.override("en"):
        assert str(PHQ9.items[0]) == "Little interest or pleasure in doing things"
        assert str(PHQ9.items[8]) == (
            "Thoughts that you would be better off dead or of hurting yourself in some way"
        )
        assert str(GAD7.items[0]) == "Feeling nervous, anxious, or on edge"


def test_instruments_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PHQ9.reliable_change_threshold = 1
    score = PHQ9.score([0] * 9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        score.total = 3


def test_thresholds():
    assert PHQ9.reliable_change_threshold == 6
    assert GAD7.reliable_change_threshold == 4


# --- bands ------------------------------------------------------------------------------------

PHQ9_EDGES = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "moderately_severe"),
    (19, "moderately_severe"),
    (20, "severe"),
    (27, "severe"),
]
GAD7_EDGES = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "severe"),
    (21, "severe"),
]


@pytest.mark.parametrize(("total", "band"), PHQ9_EDGES)
def test_phq9_band_edges(total, band):
    # Item 9 stays 0 so the edges are checked without the alert getting in the way.
    score = PHQ9.score(answers_for(PHQ9, total, item9=0) if total <= 24 else [3] * 9)
    assert score.total == total
    assert score.band == band
    assert str(score.band_label)


@pytest.mark.parametrize(("total", "band"), GAD7_EDGES)
def test_gad7_band_edges(total, band):
    score = GAD7.score(answers_for(GAD7, total))
    assert score == Score(total=total, band=band, band_label=score.band_label, alerts=[])
    assert str(score.band_label)


def test_max_totals():
    assert PHQ9.score([3] * 9).total == 27
    assert PHQ9.score([3] * 9).band == "severe"
    assert GAD7.score([3] * 7).total == 21
    assert GAD7.score([3] * 7).band == "severe"


def test_band_labels_in_english():
    with translation.override("en"):
        assert [str(label) for _u, _b, label in PHQ9.bands] == [
            "Minimal",
            "Mild",
            "Moderate",
            "Moderately severe",
            "Severe",
        ]
        assert [str(label) for _u, _b, label in GAD7.bands] == [
            "Minimal",
            "Mild",
            "Moderate",
            "Severe",
        ]


# --- alerts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item9", "total"),
    [
        (item9, total)
        for item9 in (1, 2, 3)
        for total in (1, 2, 3, 4, 5, 9, 10, 14, 15, 19, 20, 25, 26, 27)
        if item9 <= total <= 24 + item9
    ],
)
def test_phq9_item9_alert_whatever_the_total(item9, total):
    score = PHQ9.score(answers_for(PHQ9, total, item9=item9))
    assert score.total == total
    assert score.alerts == ["phq9_item9"]


def test_phq9_item9_alert_at_total_one():
    score = PHQ9.score([0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert score.total == 1
    assert score.band == "minimal"
    assert score.alerts == ["phq9_item9"]


@pytest.mark.parametrize("total", [0, 4, 10, 24])
def test_phq9_no_alert_when_item9_is_zero(total):
    score = PHQ9.score(answers_for(PHQ9, total, item9=0))
    assert score.alerts == []


def test_phq9_alert_label():
    (rule,) = PHQ9.alert_rules
    assert rule.code == "phq9_item9"
    assert rule.item_index == 8
    with translation.override("en"):
        assert str(rule.label) == (
            "Thoughts of being better off dead or of self-harm (PHQ-9 item 9)"
        )


@pytest.mark.parametrize("total", range(0, 22))
def test_gad7_never_alerts(total):
    assert GAD7.alert_rules == ()
    assert GAD7.score(answers_for(GAD7, total)).alerts == []


def test_gad7_never_alerts_with_high_last_items():
    assert GAD7.score([0, 0, 0, 0, 0, 3, 3]).alerts == []


# --- validation -------------------------------------------------------------------------------


def test_string_digits_are_accepted():
    score = PHQ9.score(["1", "2", "0", "3", "0", "0", "1", "0", "2"])
    assert score.total == 9
    assert score.band == "mild"
    assert score.alerts == ["phq9_item9"]
    assert GAD7.score(["3"] * 7).total == 21


def test_tuple_of_ints_is_accepted():
    assert GAD7.score((1, 1, 1, 1, 1, 1, 1)).total == 7


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (None, MISSING),
        ("", MISSING),
        ("  ", MISSING),
        (-1, INVALID),
        (4, INVALID),
        (10, INVALID),
        ("-1", INVALID),
        ("4", INVALID),
        ("abc", INVALID),
        ("1.5", INVALID),
        ("²", INVALID),
        (1.5, INVALID),
        (2.0, INVALID),
        (True, INVALID),
        (False, INVALID),
        ([1], INVALID),
        (b"1", INVALID),
    ],
)
@pytest.mark.parametrize("instrument", [PHQ9, GAD7], ids=["PHQ-9", "GAD-7"])
def test_one_bad_answer_is_refused(instrument, bad, message):
    answers = [1] * len(instrument.items)
    answers[2] = bad
    with pytest.raises(InvalidAnswers) as excinfo:
        instrument.score(answers)
    assert isinstance(excinfo.value, ValueError)
    assert errors_in_english(excinfo.value) == {2: message}


def test_every_bad_item_gets_its_own_message():
    answers = [None, 1, 4, "", "x", 0, True, 3, -1]
    with pytest.raises(InvalidAnswers) as excinfo:
        PHQ9.score(answers)
    assert errors_in_english(excinfo.value) == {
        0: MISSING,
        2: INVALID,
        3: MISSING,
        4: INVALID,
        6: INVALID,
        8: INVALID,
    }


@pytest.mark.parametrize(
    ("instrument", "count"),
    [(PHQ9, 0), (PHQ9, 8), (PHQ9, 10), (GAD7, 6), (GAD7, 9)],
)
def test_wrong_count_is_refused(instrument, count):
    with pytest.raises(InvalidAnswers) as excinfo:
        instrument.score([1] * count)
    errors = errors_in_english(excinfo.value)
    assert errors[None] == f"Expected {len(instrument.items)} answers."
    # Items left out are unanswered questions; extra answers are only a count problem.
    missing = set(range(count, len(instrument.items)))
    assert {key for key in errors if key is not None} == missing
    assert all(errors[key] == MISSING for key in missing)


def test_wrong_count_also_lists_bad_items():
    with pytest.raises(InvalidAnswers) as excinfo:
        GAD7.score([1, 7, 1])
    errors = errors_in_english(excinfo.value)
    assert errors[None] == "Expected 7 answers."
    assert errors[1] == INVALID
    assert errors[3] == errors[6] == MISSING
    assert 0 not in errors and 2 not in errors


@pytest.mark.parametrize("answers", ["123456789", None, 5, {0: 1}])
def test_not_a_list_is_refused(answers):
    with pytest.raises(InvalidAnswers) as excinfo:
        PHQ9.score(answers)
    assert errors_in_english(excinfo.value) == {None: "Expected 9 answers."}


# --- reliable change --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "before", "after", "verdict"),
    [
        # PHQ-9, threshold 6
        ("PHQ-9", 18, 12, "improved"),
        ("PHQ-9", 18, 13, "no_change"),
        ("PHQ-9", 12, 18, "deteriorated"),
        ("PHQ-9", 13, 18, "no_change"),
        ("PHQ-9", 27, 0, "improved"),
        ("PHQ-9", 0, 27, "deteriorated"),
        ("PHQ-9", 6, 0, "improved"),
        ("PHQ-9", 21, 27, "deteriorated"),
        ("PHQ-9", 10, 10, "no_change"),
        # GAD-7, threshold 4
        ("GAD-7", 14, 10, "improved"),
        ("GAD-7", 14, 11, "no_change"),
        ("GAD-7", 10, 14, "deteriorated"),
        ("GAD-7", 11, 14, "no_change"),
        ("GAD-7", 4, 0, "improved"),
        ("GAD-7", 17, 21, "deteriorated"),
        ("GAD-7", 0, 0, "no_change"),
    ],
)
def test_reliable_change(code, before, after, verdict):
    assert reliable_change(code, before, after) == verdict


def test_unknown_code():
    with pytest.raises(KeyError):
        reliable_change("BDI-II", 10, 2)
    with pytest.raises(KeyError):
        reliable_change("phq-9", 10, 2)


@pytest.mark.parametrize(
    ("code", "before", "after"),
    [
        ("PHQ-9", -1, 5),
        ("PHQ-9", 5, -1),
        ("PHQ-9", 28, 5),
        ("PHQ-9", 5, 28),
        ("GAD-7", 22, 10),
        ("GAD-7", 10, 22),
        ("GAD-7", -1, 0),
        ("GAD-7", 5.5, 0),
        ("GAD-7", True, 0),
        ("PHQ-9", "10", 2),
    ],
)
def test_reliable_change_refuses_impossible_totals(code, before, after):
    with pytest.raises(ValueError):
        reliable_change(code, before, after)


def test_change_labels():
    assert set(CHANGE_LABELS) == {"improved", "deteriorated", "no_change"}
    with translation.override("en"):
        assert all(str(label) for label in CHANGE_LABELS.values())
