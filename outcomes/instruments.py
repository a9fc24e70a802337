"""Mood questionnaires (PHQ-9, GAD-7) as versioned data, plus scoring and reliable change.

Pure Python: nothing here touches the database. The English item texts are the official
wording (PHQ-9 and GAD-7 as published by Pfizer at phqscreeners.com) and serve as msgids; the
Dutch texts in locale/nl are the official Dutch (Netherlands) translations published there
("Vragenlijst over gezondheid (PHQ-9)", "GAD-7"; Pfizer, free to use, no permission required),
each item, option and the functioning question checked against them (issue 15). Changing an
item's wording, the bands or the thresholds is a new ``version`` of the instrument, so stored
responses can say what they answered: version "1" had no functioning question and "Several
days" read "Verscheidene dagen" in Dutch; version "2" is the checked text with the functioning
question (its answer is stored, never scored). The answers' stored format is the same in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

IMPROVED = "improved"
DETERIORATED = "deteriorated"
NO_CHANGE = "no_change"

CHANGE_LABELS: dict[str, Promise] = {
    IMPROVED: _("improved"),
    DETERIORATED: _("deteriorated"),
    NO_CHANGE: _("no reliable change"),
}

MSG_MISSING = _("Answer this question.")
MSG_INVALID = _("Choose an answer from 0 to 3.")


def _count_message(n: int) -> str:
    return gettext("Expected %(n)d answers.") % {"n": n}


#: Lazy like the other messages, so it renders in the language active when it is shown.
count_message = lazy(_count_message, str)

#: The answer labels shared by PHQ-9 and GAD-7; the index is the item score.
FREQUENCY_OPTIONS: tuple[Promise, ...] = (
    _("Not at all"),
    _("Several days"),
    _("More than half the days"),
    _("Nearly every day"),
)


#: The functioning ("how difficult") question's options: asked, stored, never scored.
DIFFICULTY_OPTIONS: tuple[Promise, ...] = (
    _("Not difficult at all"),
    _("Somewhat difficult"),
    _("Very difficult"),
    _("Extremely difficult"),
)

#: The attribution the instruments ask for, on every form and letter that shows them.
ATTRIBUTION = _(
    "PHQ-9 and GAD-7: © Pfizer Inc., developed by Drs. R.L. Spitzer, J.B.W. Williams,"
    " K. Kroenke et al.; free to use"
)

#: Where the texts come from, named with the version.
SOURCE = "phqscreeners.com (Pfizer): PHQ-9 and GAD-7, English and Dutch (Netherlands); version 2"


class InvalidAnswers(ValueError):
    """The answers can't be scored.

    ``errors`` maps the 0-based item index to one message per bad item; the key ``None``
    holds a message about the number of answers.
    """

    def __init__(self, errors: dict[int | None, Any]):
        self.errors = errors
        super().__init__(errors)


@dataclass(frozen=True)
class AlertRule:
    """Raise ``code`` when the answer to item ``item_index`` is above ``above``."""

    code: str
    item_index: int
    label: Promise
    above: int = 0

    def applies(self, answers: Sequence[int]) -> bool:
        return answers[self.item_index] > self.above


@dataclass(frozen=True)
class Score:
    total: int
    band: str
    band_label: Promise
    alerts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    name: Promise
    question: Promise
    items: tuple[Promise, ...]
    #: (upper inclusive total, band code, label), ascending; the last upper is ``max_total``.
    bands: tuple[tuple[int, str, Promise], ...]
    reliable_change_threshold: int
    options: tuple[Promise, ...] = FREQUENCY_OPTIONS
    alert_rules: tuple[AlertRule, ...] = ()
    #: The "how difficult" question after the items (not scored) and its options.
    functioning: Promise | str = ""
    functioning_options: tuple[Promise, ...] = DIFFICULTY_OPTIONS
    source: str = SOURCE

    def __post_init__(self) -> None:
        uppers = [upper for upper, _code, _label in self.bands]
        if uppers != sorted(set(uppers)) or uppers[-1] != self.max_total:
            raise ValueError(f"{self.code}: bands must ascend and end at {self.max_total}.")
        for rule in self.alert_rules:
            if not 0 <= rule.item_index < len(self.items):
                raise ValueError(f"{self.code}: alert {rule.code} points past the items.")

    @property
    def max_answer(self) -> int:
        return len(self.options) - 1

    @property
    def max_total(self) -> int:
        return len(self.items) * self.max_answer

    def clean(self, answers: Sequence[Any]) -> list[int]:
        """Return the answers as ints, or raise InvalidAnswers listing every problem."""
        if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
            raise InvalidAnswers({None: count_message(len(self.items))})
        errors: dict[int | None, Any] = {}
        if len(answers) != len(self.items):
            errors[None] = count_message(len(self.items))
        cleaned: list[int] = []
        for index, raw in enumerate(answers[: len(self.items)]):
            value, message = self._clean_one(raw)
            if message is not None:
                errors[index] = message
            else:
                cleaned.append(value)
        for index in range(len(answers), len(self.items)):
            errors[index] = MSG_MISSING
        if errors:
            raise InvalidAnswers(errors)
        return cleaned

    def _clean_one(self, raw: Any) -> tuple[int, Promise | None]:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return 0, MSG_MISSING
        if isinstance(raw, bool):
            return 0, MSG_INVALID
        if isinstance(raw, str):
            text = raw.strip()
            # int() refuses strings of over 4,300 digits; no answer needs more than a few.
            if not (text.isascii() and text.isdigit()) or len(text) > 3:
                return 0, MSG_INVALID
            value = int(text)
        elif isinstance(raw, int):
            value = raw
        else:
            return 0, MSG_INVALID
        if not 0 <= value <= self.max_answer:
            return 0, MSG_INVALID
        return value, None

    def band_for(self, total: int) -> tuple[str, Promise]:
        if not 0 <= total <= self.max_total:
            raise ValueError(f"{self.code} total must be 0..{self.max_total}, not {total}.")
        for upper, band, label in self.bands:
            if total <= upper:
                return band, label
        raise AssertionError("unreachable: bands end at max_total")  # pragma: no cover

    def score(self, answers: Sequence[Any]) -> Score:
        cleaned = self.clean(answers)
        total = sum(cleaned)
        band, label = self.band_for(total)
        alerts = [rule.code for rule in self.alert_rules if rule.applies(cleaned)]
        return Score(total=total, band=band, band_label=label, alerts=alerts)

    @property
    def alert_labels(self) -> dict[str, Promise]:
        return {rule.code: rule.label for rule in self.alert_rules}

    def clean_difficulty(self, raw: Any) -> int | None:
        """The functioning answer as 0-3, None when not given; ValueError otherwise."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        value, message = self._clean_one(raw)
        if message is not None or value >= len(self.functioning_options):
            raise ValueError(f"{self.code}: no functioning answer {raw!r}.")
        return value

    def difficulty_label(self, value: int | None) -> str:
        """The stored functioning answer as text; "" when it was not asked or not given."""
        if value is None or not 0 <= value < len(self.functioning_options):
            return ""
        return str(self.functioning_options[value])


PHQ9 = Instrument(
    code="PHQ-9",
    version="2",
    name=_("PHQ-9 depression questionnaire"),
    question=_(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        _("Little interest or pleasure in doing things"),
        _("Feeling down, depressed, or hopeless"),
        _("Trouble falling or staying asleep, or sleeping too much"),
        _("Feeling tired or having little energy"),
        _("Poor appetite or overeating"),
        _(
            "Feeling bad about yourself — or that you are a failure or have let yourself"
            " or your family down"
        ),
        _("Trouble concentrating on things, such as reading the newspaper or watching television"),
        _(
            "Moving or speaking so slowly that other people could have noticed? Or the"
            " opposite — being so fidgety or restless that you have been moving around"
            " a lot more than usual"
        ),
        _("Thoughts that you would be better off dead or of hurting yourself in some way"),
    ),
    bands=(
        (4, "minimal", _("Minimal")),
        (9, "mild", _("Mild")),
        (14, "moderate", _("Moderate")),
        (19, "moderately_severe", _("Moderately severe")),
        (27, "severe", _("Severe")),
    ),
    reliable_change_threshold=6,
    functioning=_(
        "If you checked off any problems, how difficult have these problems made it for you to"
        " do your work, take care of things at home, or get along with other people?"
    ),
    alert_rules=(
        AlertRule(
            code="phq9_item9",
            item_index=8,
            label=_("Thoughts of being better off dead or of self-harm (PHQ-9 item 9)"),
        ),
    ),
)

GAD7 = Instrument(
    code="GAD-7",
    version="2",
    name=_("GAD-7 anxiety questionnaire"),
    question=_(
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    ),
    items=(
        _("Feeling nervous, anxious, or on edge"),
        _("Not being able to stop or control worrying"),
        _("Worrying too much about different things"),
        _("Trouble relaxing"),
        _("Being so restless that it is hard to sit still"),
        _("Becoming easily annoyed or irritable"),
        _("Feeling afraid as if something awful might happen"),
    ),
    bands=(
        (4, "minimal", _("Minimal")),
        (9, "mild", _("Mild")),
        (14, "moderate", _("Moderate")),
        (21, "severe", _("Severe")),
    ),
    reliable_change_threshold=4,
    functioning=_(
        "If you checked off any problems, how difficult have these made it for you to do your"
        " work, take care of things at home, or get along with other people?"
    ),
)

INSTRUMENTS: dict[str, Instrument] = {PHQ9.code: PHQ9, GAD7.code: GAD7}

#: Every alert code any instrument can raise, with its label.
ALERT_LABELS: dict[str, Promise] = {
    code: label
    for instrument in INSTRUMENTS.values()
    for code, label in instrument.alert_labels.items()
}


def reliable_change(code: str, before: int, after: int) -> str:
    """Compare two totals on instrument ``code``: improved, deteriorated or no_change.

    A drop (or rise) of at least the instrument's reliable change threshold counts; lower
    totals are better on both PHQ-9 and GAD-7.
    """
    instrument = INSTRUMENTS[code]
    for total in (before, after):
        if isinstance(total, bool) or not isinstance(total, int):
            raise ValueError(f"{code} totals must be integers, not {total!r}.")
        if not 0 <= total <= instrument.max_total:
            raise ValueError(f"{code} total must be 0..{instrument.max_total}, not {total}.")
    difference = after - before
    if difference <= -instrument.reliable_change_threshold:
        return IMPROVED
    if difference >= instrument.reliable_change_threshold:
        return DETERIORATED
    return NO_CHANGE
