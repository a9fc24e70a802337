"""The questionnaire set of a link, one question per screen: PHQ-9 and GAD-7, each followed by
its "how difficult" question (outcomes.instruments, with their published source).

`link.progress` keeps the answers given so far (save and continue while the link is valid):
{"PHQ-9": {"items": [..], "stored": false}, ...}. An instrument is stored (outcomes'
questionnaire_record, marked as filled in by the patient) as soon as its last question is
answered; a PHQ-9 item-9 answer above 0 stores the PHQ-9 at once, so the safety alert goes out
now (outcomes.services.alerts_raise), and the crisis message is shown.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from outcomes.exceptions import QuestionnaireError
from outcomes.instruments import INSTRUMENTS, Instrument
from outcomes.services import questionnaire_record

from .exceptions import LinkError
from .models import PatientLink

SET = ("PHQ-9", "GAD-7")
#: The PHQ-9 item whose answer above 0 is a safety alert (index 8: item 9).
ALERT_ITEM = 8


@dataclass(frozen=True)
class Step:
    instrument: Instrument
    #: The item's index, or None for the "how difficult" question.
    item: int | None
    number: int
    total: int

    @property
    def key(self) -> str:
        return f"{self.instrument.code}:{'d' if self.item is None else self.item}"

    @property
    def text(self) -> str:
        if self.item is None:
            return str(self.instrument.functioning)
        return str(self.instrument.items[self.item])

    @property
    def options(self) -> list[tuple[int, str]]:
        labels = (
            self.instrument.functioning_options if self.item is None else self.instrument.options
        )
        return [(value, str(label)) for value, label in enumerate(labels)]


def _total() -> int:
    return sum(len(INSTRUMENTS[code].items) + 1 for code in SET)


def current_step(link: PatientLink) -> Step | None:
    """The next question to ask, or None when the set is done."""
    number = 1
    for code in SET:
        instrument = INSTRUMENTS[code]
        state = link.progress.get(code, {})
        if state.get("stored"):
            number += len(instrument.items) + 1
            continue
        answered = len(state.get("items", []))
        item = answered if answered < len(instrument.items) else None
        return Step(instrument, item, number + answered, _total())
    return None


def answer(*, link: PatientLink, key: str, value: str) -> bool:
    """Record the answer to the question `key` (the one on the patient's screen). True when it
    raised a safety alert. A repeated or stale submit (another tab, the back button) changes
    nothing. Raises LinkError for an answer out of range."""
    with transaction.atomic():
        link = (
            PatientLink.objects.select_for_update(of=("self",))
            .select_related("referral__therapist__user", "referral__patient")
            .get(pk=link.pk)
        )
        step = current_step(link)
        if step is None or step.key != key or link.used_at:
            return False
        try:
            choice = int(value)
        except (TypeError, ValueError):
            choice = -1
        if not 0 <= choice < len(step.options):
            raise LinkError("no such answer")
        code = step.instrument.code
        state = link.progress.setdefault(code, {"items": [], "stored": False})
        alert = False
        if step.item is None:
            _store(link, code, state["items"], difficulty=choice)
        else:
            state["items"].append(choice)
            if code == "PHQ-9" and step.item == ALERT_ITEM and choice > 0:
                # At once, not after the "how difficult" question: the alert goes out now.
                alert = _store(link, code, state["items"], difficulty=None)
                link.progress["crisis"] = True
        if current_step(link) is None:
            link.used_at = timezone.now()
        link.save(update_fields=["progress", "used_at"])
    return alert


def _store(link: PatientLink, code: str, items: list[int], *, difficulty: int | None) -> bool:
    link.progress[code]["stored"] = True
    referral = link.referral
    try:
        response = questionnaire_record(
            referral=referral,
            instrument_code=code,
            week=link.week,
            answers=items,
            difficulty=difficulty,
            completed_on=timezone.localdate(),
            by=referral.therapist.user,
            by_patient=True,
        )
    except QuestionnaireError:
        # Already entered (by the therapist from paper, say): the patient's answers are not
        # a second response of the same week; the set moves on.
        return False
    return bool(INSTRUMENTS[code].score(response.answers).alerts)
