"""The activity check, based on the PAR-Q+: its questions as data and what the answers mean.

Source: the PAR-Q+ (The Physical Activity Readiness Questionnaire for Everyone), version 2023,
by the PAR-Q+ Collaboration (D.E.R. Warburton, N. Gledhill, V. Jamnik, D.C. McKenzie), published
at eparmedx.com: page 1, the seven general health questions with their qualifiers; pages 2-3,
the follow-up questions about medical conditions (1 to 10, each with its sub-questions); the
"delay becoming more active" advice (a temporary illness, pregnancy). The English texts below
follow that wording, addressed to the GP ("the patient" for "you"). We found no official Dutch
(Netherlands) translation of the PAR-Q+, so the Dutch texts (locale/nl) are our own faithful
translation of this English; the form says so.

The rules (issue 15), kept here and nowhere else:
- every general question answered "no": cleared;
- a "yes" on question 1, 4, 5 or 6 is resolved by the follow-up questions: a "yes" to a
  condition and "no" to each of its sub-questions (a well-controlled depression, say) clears
  without a note, as on the PAR-Q+;
- a "yes" on question 2 (chest pain), 3 (dizziness, loss of consciousness) or 7 (medically
  supervised only), or on any follow-up sub-question (the condition is hard to control, or
  has a risk of its own), is a hard stop: no note clears it, only a recorded medical
  evaluation (by whom, date, outcome) that clears the patient;
- pregnancy or an acute illness: wait until it has resolved.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

VERSION = "parq-plus-2023"
LEGACY_VERSION = "legacy"
SOURCE = "PAR-Q+ 2023, PAR-Q+ Collaboration (eparmedx.com)"


@dataclass(frozen=True)
class Question:
    key: str
    number: str
    text: Promise
    qualifier: Promise | str = ""
    hard_stop: bool = False


@dataclass(frozen=True)
class Condition:
    """A follow-up block: "does the patient have X?" and, if so, its sub-questions."""

    key: str
    number: str
    text: Promise
    includes: Promise | str
    items: tuple[Question, ...]


# fmt: off
# One question per line, as on the form; the formatter would split each into five.
GENERAL: tuple[Question, ...] = (
    Question("q1", "1", _("Has a doctor ever said that the patient has a heart condition OR high blood pressure?")),
    Question("q2", "2", _("Does the patient feel pain in the chest at rest, during daily activities of living, OR when doing physical activity?"), hard_stop=True),
    Question("q3", "3", _("Does the patient lose balance because of dizziness OR has the patient lost consciousness in the last 12 months?"),
             _("Answer NO if the dizziness was associated with over-breathing (including during vigorous exercise)."), hard_stop=True),
    Question("q4", "4", _("Has the patient ever been diagnosed with another chronic medical condition (other than heart disease or high blood pressure)?")),
    Question("q5", "5", _("Is the patient currently taking prescribed medications for a chronic medical condition?")),
    Question("q6", "6", _("Does the patient currently have (or has had within the past 12 months) a bone, joint, or soft tissue (muscle, ligament, or tendon) problem that could be made worse by becoming more physically active?"),
             _("Answer NO if the patient had a problem in the past, but it does not limit their current ability to be physically active.")),
    Question("q7", "7", _("Has a doctor ever said that the patient should only do medically supervised physical activity?"), hard_stop=True),
)

_CONTROL = _("Does the patient have difficulty controlling the condition with medications or other physician-prescribed therapies?")
_CONTROL_NOTE = _("Answer NO if the patient is not currently taking medications or other treatments.")


def _control(key: str, number: str) -> Question:
    return Question(key, number, _CONTROL, _CONTROL_NOTE, hard_stop=True)


def _item(key: str, number: str, text: Promise, qualifier: Promise | str = "") -> Question:
    return Question(key, number, text, qualifier, hard_stop=True)


FOLLOW_UPS: tuple[Condition, ...] = (
    Condition("f1", "1", _("Does the patient have arthritis, osteoporosis, or back problems?"), "", (
        _control("f1a", "1a"),
        _item("f1b", "1b", _("Does the patient have joint problems causing pain, a recent fracture or fracture caused by osteoporosis or cancer, displaced vertebra (e.g., spondylolisthesis), and/or spondylolysis/pars defect (a crack in the bony ring on the back of the spinal column)?")),
        _item("f1c", "1c", _("Has the patient had steroid injections or taken steroid tablets regularly for more than 3 months?")),
    )),
    Condition("f2", "2", _("Does the patient currently have cancer of any kind?"), "", (
        _item("f2a", "2a", _("Does the cancer diagnosis include any of the following types: lung/bronchogenic, multiple myeloma (cancer of plasma cells), head, and/or neck?")),
        _item("f2b", "2b", _("Is the patient currently receiving cancer therapy (such as chemotherapy or radiotherapy)?")),
    )),
    Condition("f3", "3", _("Does the patient have a heart or cardiovascular condition?"), _("This includes coronary artery disease, heart failure, diagnosed abnormality of heart rhythm."), (
        _control("f3a", "3a"),
        _item("f3b", "3b", _("Does the patient have an irregular heart beat that requires medical management (e.g., atrial fibrillation, premature ventricular contraction)?")),
        _item("f3c", "3c", _("Does the patient have chronic heart failure?")),
        _item("f3d", "3d", _("Does the patient have diagnosed coronary artery (cardiovascular) disease and has not participated in regular physical activity in the last 2 months?")),
    )),
    Condition("f4", "4", _("Does the patient currently have high blood pressure?"), "", (
        _control("f4a", "4a"),
        _item("f4b", "4b", _("Does the patient have a resting blood pressure equal to or greater than 160/90 mmHg with or without medication?"), _("Answer YES if the resting blood pressure is not known.")),
    )),
    Condition("f5", "5", _("Does the patient have any metabolic conditions?"), _("This includes type 1 diabetes, type 2 diabetes, pre-diabetes."), (
        _item("f5a", "5a", _("Does the patient often have difficulty controlling blood sugar levels with foods, medications, or other physician-prescribed therapies?")),
        _item("f5b", "5b", _("Does the patient often suffer from signs and symptoms of low blood sugar (hypoglycaemia) following exercise and/or during activities of daily living?"),
              _("Signs of hypoglycaemia may include shakiness, nervousness, unusual irritability, abnormal sweating, dizziness or light-headedness, mental confusion, difficulty speaking, weakness, or sleepiness.")),
        _item("f5c", "5c", _("Does the patient have any signs or symptoms of diabetes complications such as heart or vascular disease and/or complications affecting the eyes, kidneys, OR the sensation in the toes and feet?")),
        _item("f5d", "5d", _("Does the patient have other metabolic conditions (such as current pregnancy-related diabetes, chronic kidney disease, or liver problems)?")),
        _item("f5e", "5e", _("Is the patient planning to engage in what for them is unusually high (or vigorous) intensity exercise in the near future?")),
    )),
    Condition("f6", "6", _("Does the patient have any mental health problems or learning difficulties?"), _("This includes Alzheimer's, dementia, depression, anxiety disorder, eating disorder, psychotic disorder, intellectual disability, Down syndrome."), (
        _control("f6a", "6a"),
        _item("f6b", "6b", _("Does the patient have Down syndrome AND back problems affecting nerves or muscles?")),
    )),
    Condition("f7", "7", _("Does the patient have a respiratory disease?"), _("This includes chronic obstructive pulmonary disease, asthma, pulmonary high blood pressure."), (
        _control("f7a", "7a"),
        _item("f7b", "7b", _("Has a doctor ever said the patient's blood oxygen level is low at rest or during exercise and/or that the patient requires supplemental oxygen therapy?")),
        _item("f7c", "7c", _("If asthmatic, does the patient currently have symptoms of chest tightness, wheezing, laboured breathing, consistent cough (more than 2 days/week), or used rescue medication more than twice in the last week?")),
        _item("f7d", "7d", _("Has a doctor ever said the patient has high blood pressure in the blood vessels of the lungs?")),
    )),
    Condition("f8", "8", _("Does the patient have a spinal cord injury?"), _("This includes tetraplegia and paraplegia."), (
        _control("f8a", "8a"),
        _item("f8b", "8b", _("Does the patient commonly exhibit low resting blood pressure significant enough to cause dizziness, light-headedness, and/or fainting?")),
        _item("f8c", "8c", _("Has a physician indicated that the patient exhibits sudden bouts of high blood pressure (known as autonomic dysreflexia)?")),
    )),
    Condition("f9", "9", _("Has the patient had a stroke?"), _("This includes transient ischaemic attack (TIA) or cerebrovascular event."), (
        _control("f9a", "9a"),
        _item("f9b", "9b", _("Does the patient have any impairment in walking or mobility?")),
        _item("f9c", "9c", _("Has the patient experienced a stroke or impairment in nerves or muscles in the past 6 months?")),
    )),
    Condition("f10", "10", _("Does the patient have any other medical condition not listed above, or two or more medical conditions?"), "", (
        _item("f10a", "10a", _("Has the patient experienced a blackout, fainted, or lost consciousness as a result of a head injury within the last 12 months OR had a diagnosed concussion within the last 12 months?")),
        _item("f10b", "10b", _("Does the patient have a medical condition that is not listed (such as epilepsy, neurological conditions, kidney problems)?")),
        _item("f10c", "10c", _("Does the patient currently live with two or more medical conditions?")),
    )),
)

#: "Delay becoming more active if": asked of everyone, each a reason to wait.
DELAY: tuple[Question, ...] = (
    Question("pregnant", "A", _("Is the patient pregnant?")),
    Question("acute_illness", "B", _("Does the patient have a temporary illness, such as a cold or fever?")),
)

#: The seven questions of the check before the PAR-Q+ screen (no qualifiers, no follow-up):
#: kept to show old checks as they were answered. Their answers map onto q1..q7.
LEGACY: tuple[Question, ...] = (
    Question("q1", "1", _("Has a doctor ever said the patient has a heart condition or high blood pressure?")),
    Question("q2", "2", _("Does the patient feel pain in the chest at rest, during daily activities or when active?")),
    Question("q3", "3", _("Has the patient lost balance because of dizziness or lost consciousness in the last 12 months?")),
    Question("q4", "4", _("Has the patient been diagnosed with another chronic medical condition (other than heart disease or high blood pressure)?")),
    Question("q5", "5", _("Does the patient take prescribed medication for a chronic medical condition?")),
    Question("q6", "6", _("Does the patient have a bone, joint or soft-tissue problem that could be made worse by becoming more active?")),
    Question("q7", "7", _("Has a doctor said the patient should only do medically supervised physical activity?")),
)
# fmt: on

GENERAL_KEYS = frozenset(q.key for q in GENERAL)

#: General questions whose "yes" is about a condition, for the follow-up to name.
CONDITION_QUESTIONS = ("q1", "q4", "q5", "q6")

# The outcomes.
CLEARED = "cleared"
CLEARED_AFTER_EVALUATION = "cleared_after_evaluation"
NEEDS_EVALUATION = "needs_evaluation"
NOT_CLEARED = "not_cleared"
WAIT = "wait"
OLD_VERSION = "old_version"

OUTCOME_LABELS: dict[str, Promise] = {
    CLEARED: _("Cleared for running therapy"),
    CLEARED_AFTER_EVALUATION: _("Cleared after a medical evaluation"),
    NEEDS_EVALUATION: _("Hard stop: a medical evaluation is needed before sending"),
    NOT_CLEARED: _("Not cleared by the medical evaluation"),
    WAIT: _("Wait until it has resolved: pregnancy or a temporary illness"),
    OLD_VERSION: _("Old version of the fitness check: do the activity check again"),
}

SENDABLE = frozenset({CLEARED, CLEARED_AFTER_EVALUATION})


def all_questions() -> list[Question]:
    return [*GENERAL, *(q for c in FOLLOW_UPS for q in (c, *c.items)), *DELAY]  # type: ignore[misc]


#: The "wait" as the GP answered it (found in a try-out: a patient with only an acute illness
#: was called "pregnant or ill"), by which delay questions were answered yes.
WAIT_LABELS: dict[frozenset, Promise] = {
    frozenset({"pregnant"}): _("Wait until after the pregnancy"),
    frozenset({"acute_illness"}): _("Wait until the temporary illness has resolved"),
    frozenset({"pregnant", "acute_illness"}): _(
        "Wait until after the pregnancy and the temporary illness"
    ),
}
WAIT_REASONS: dict[frozenset, Promise] = {
    frozenset({"pregnant"}): _("the patient is pregnant"),
    frozenset({"acute_illness"}): _("the patient has a temporary illness"),
    frozenset({"pregnant", "acute_illness"}): _(
        "the patient is pregnant and has a temporary illness"
    ),
}


def waiting_for(answers: dict) -> frozenset:
    """The delay questions answered yes (their keys)."""
    return frozenset(q.key for q in DELAY if answers.get(q.key) is True)


def hard_stops(answers: dict) -> list[Question]:
    """The questions answered yes that no note can clear."""
    stops = [q for q in GENERAL if q.hard_stop and answers.get(q.key) is True]
    for condition in FOLLOW_UPS:
        if answers.get(condition.key) is True:
            stops += [q for q in condition.items if answers.get(q.key) is True]
    return stops


def outcome(*, version: str, answers: dict, evaluation: str = "") -> str:
    """What the answers (and a medical evaluation's outcome, if any) mean for sending."""
    if version != VERSION:
        return OLD_VERSION
    if any(answers.get(q.key) is True for q in DELAY):
        return WAIT
    if hard_stops(answers):
        if evaluation in ("cleared", "cleared_with_limits"):
            return CLEARED_AFTER_EVALUATION
        if evaluation == "not_cleared":
            return NOT_CLEARED
        return NEEDS_EVALUATION
    return CLEARED


FOLLOW_UP_HEADING = _("Follow-up questions about medical conditions")


def _row(question, answers: dict, level: int = 0, *, qualifier: bool = True) -> dict:
    value = answers.get(question.key)
    return {
        "number": question.number,
        "text": question.text,
        "qualifier": getattr(question, "qualifier", "") or getattr(question, "includes", "")
        if qualifier
        else "",
        "answer": {True: "yes", False: "no"}.get(value, "not_asked"),
        "level": level,
    }


def rows(*, version: str, answers: dict) -> list[dict]:
    """Every question as the GP saw it, with its answer ("yes", "no", "not_asked"), in order.

    An old check shows its seven questions as they were worded then; the follow-up questions
    show only when the GP answered them (a condition, and its sub-questions under a "yes").
    """
    if version != VERSION:
        return [_row(q, answers) for q in LEGACY]
    result = [_row(q, answers) for q in GENERAL]
    for condition in FOLLOW_UPS:
        if answers.get(condition.key) is None:
            continue
        row = _row(condition, answers, 1)
        if not any(r.get("heading") for r in result):
            # The form's heading above them: without it they read as part of question 7
            # (found in a try-out).
            row["heading"] = FOLLOW_UP_HEADING
        result.append(row)
        if answers[condition.key] is True:
            result += [_row(q, answers, 2, qualifier=False) for q in condition.items]
    return result + [_row(q, answers) for q in DELAY]
