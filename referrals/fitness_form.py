"""The GP's activity check form (based on the PAR-Q+): the questions of `referrals.readiness` as
yes/no radios, the follow-up questions when a general question is "yes", and the medical
evaluation a hard stop needs."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import limits
from core.widgets import DateInput, RadioSelect

from . import readiness
from .fitness_check import FitnessCheck

YES_NO = [(True, _("Yes")), (False, _("No"))]
MSG_ANSWER = _("Answer yes or no.")
MSG_FOLLOW_UP = _("Answer this follow-up question: a general question above is “yes”.")
MSG_SUB = _("Answer this question: the condition above is “yes”.")
MSG_WHICH = _(
    "A general question about a condition is “yes”: say which condition below (question 10"
    " covers any other condition)."
)


def _to_bool(value) -> bool | None:
    return {"True": True, "False": False, True: True, False: False}.get(value)


def _yes_no(question: readiness.Question | readiness.Condition, initial) -> forms.Field:
    help_text = getattr(question, "qualifier", "") or getattr(question, "includes", "")
    return forms.TypedChoiceField(
        label=f"{question.number}. {question.text}",
        help_text=help_text,
        choices=YES_NO,
        coerce=_to_bool,
        empty_value=None,
        widget=RadioSelect,
        required=False,
        initial=initial,
    )


class FitnessCheckForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evaluated_by = forms.CharField(
        label=_("Evaluated by"),
        required=False,
        max_length=200,
        help_text=_("Name and role, e.g. cardiologist or sports physician."),
    )
    evaluated_on = forms.DateField(
        label=_("Date of the evaluation"), required=False, widget=DateInput()
    )
    evaluation = forms.ChoiceField(
        label=_("Outcome of the evaluation"),
        required=False,
        choices=FitnessCheck.Evaluation.choices,
        widget=RadioSelect,
    )
    evaluation_limits = forms.CharField(
        label=_("Limits"),
        required=False,
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when cleared with limits: what the therapist must keep to."),
    )

    def __init__(self, *args, instance: FitnessCheck | None = None, **kwargs) -> None:
        self.instance = instance or FitnessCheck()
        current = self.instance.pk and not self.instance.is_old_version
        answers = (self.instance.answers or {}) if current else {}
        if self.instance.pk:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(self.instance, name)
                    for name in ("notes", "evaluated_by", "evaluated_on", "evaluation")
                }
                | {"evaluation_limits": self.instance.evaluation_limits},
            )
        super().__init__(*args, **kwargs)
        for question in readiness.all_questions():
            self.fields[question.key] = _yes_no(question, answers.get(question.key))
        keys = [q.key for q in readiness.all_questions()]
        self.order_fields([*keys, "notes", "evaluated_by", "evaluated_on", "evaluation"])

    def fields_of(self, questions) -> list[forms.BoundField]:
        return [self[q.key] for q in questions]

    @property
    def general_fields(self):
        return self.fields_of(readiness.GENERAL)

    @property
    def follow_up_blocks(self):
        return [(self[c.key], self.fields_of(c.items)) for c in readiness.FOLLOW_UPS]

    @property
    def delay_fields(self):
        return self.fields_of(readiness.DELAY)

    @property
    def evaluation_fields(self):
        names = ("evaluated_by", "evaluated_on", "evaluation", "evaluation_limits")
        return [self[name] for name in names]

    def clean(self):
        data = super().clean()
        for question in (*readiness.GENERAL, *readiness.DELAY):
            if data.get(question.key) is None:
                self.add_error(question.key, MSG_ANSWER)
        any_yes = any(data.get(q.key) for q in readiness.GENERAL)
        if any_yes:
            for condition in readiness.FOLLOW_UPS:
                if data.get(condition.key) is None:
                    self.add_error(condition.key, MSG_FOLLOW_UP)
                elif data[condition.key]:
                    for item in condition.items:
                        if data.get(item.key) is None:
                            self.add_error(item.key, MSG_SUB)
            about_condition = any(data.get(key) for key in readiness.CONDITION_QUESTIONS)
            named = any(data.get(c.key) for c in readiness.FOLLOW_UPS)
            if about_condition and not named and not self.errors:
                self.add_error(readiness.FOLLOW_UPS[-1].key, MSG_WHICH)
        self._clean_evaluation(data)
        return data

    def _clean_evaluation(self, data: dict) -> None:
        given = [data.get(name) for name in ("evaluated_by", "evaluated_on", "evaluation")]
        if not any(given) and not data.get("evaluation_limits"):
            return
        if not data.get("evaluated_by"):
            self.add_error("evaluated_by", _("Say who did the medical evaluation."))
        day = data.get("evaluated_on")
        if day is None and "evaluated_on" not in self.errors:
            self.add_error("evaluated_on", _("Give the date of the medical evaluation."))
        elif day is not None and day > timezone.localdate():
            self.add_error("evaluated_on", _("The evaluation cannot be in the future."))
        if not data.get("evaluation"):
            self.add_error("evaluation", _("Choose the outcome of the medical evaluation."))
        limited = FitnessCheck.Evaluation.CLEARED_WITH_LIMITS
        if data.get("evaluation") == limited and not data.get("evaluation_limits", "").strip():
            self.add_error("evaluation_limits", _("Describe the limits."))

    def save(self, commit: bool = False) -> FitnessCheck:
        """The check with this form's answers (the service saves it, with who and when)."""
        data = self.cleaned_data
        any_yes = any(data.get(q.key) for q in readiness.GENERAL)
        answers = {q.key: data.get(q.key) for q in (*readiness.GENERAL, *readiness.DELAY)}
        for condition in readiness.FOLLOW_UPS:
            has = data.get(condition.key) if any_yes else None
            answers[condition.key] = has
            for item in condition.items:
                answers[item.key] = data.get(item.key) if has else None
        check = self.instance
        check.version = readiness.VERSION
        check.answers = answers
        check.notes = data.get("notes", "")
        check.evaluated_by = data.get("evaluated_by", "")
        check.evaluated_on = data.get("evaluated_on")
        check.evaluation = data.get("evaluation", "")
        check.evaluation_limits = data.get("evaluation_limits", "")
        if commit:
            check.save()
        return check
