from datetime import date

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput, RadioSelect
from referrals.schedule import questionnaire_window

from .instruments import Instrument, InvalidAnswers
from .services import window_refusal


class QuestionnaireForm(forms.Form):
    """One item per radio group, values 0-3, plus the date the patient filled it in.

    The items are plain text fields with radio widgets on purpose: whether an answer is given and
    in range is the instrument's rule (Instrument.clean), so every item's message comes from one
    place and goes next to its item, all at once.
    """

    completed_on = forms.DateField(
        label=_("Completed on"), widget=DateInput(attrs={"class": "form-control"})
    )

    outside_window = forms.BooleanField(
        label=_("Outside the window: filled in on this date all the same"), required=False
    )
    outside_window_reason = forms.CharField(
        label=_("Reason for a date outside the window"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("Shown next to the score wherever the score is shown."),
    )

    def __init__(
        self,
        *args,
        instrument: Instrument,
        start: date | None = None,
        week: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.start, self.week = start, week
        if start is not None and week is not None:
            first, last = questionnaire_window(start, week)
            self.fields["completed_on"].help_text = _(
                "Week %(week)d: from %(first)s to %(last)s."
            ) % {
                "week": week,
                "first": date_format(first, "SHORT_DATE_FORMAT"),
                "last": date_format(last, "SHORT_DATE_FORMAT"),
            }
        self.fields["completed_on"].initial = timezone.localdate
        self.fields["completed_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        choices = [(str(value), label) for value, label in enumerate(instrument.options)]
        for index, text in enumerate(instrument.items):
            self.fields[self.item_name(index)] = forms.CharField(
                label=text,
                widget=RadioSelect(choices=choices),
                required=False,
            )
        # Not scored, so not required: a paper form may leave it blank.
        self.fields["difficulty"] = forms.TypedChoiceField(
            label=instrument.functioning,
            choices=[(str(v), label) for v, label in enumerate(instrument.functioning_options)],
            coerce=int,
            empty_value=None,
            widget=RadioSelect,
            required=False,
        )
        # The items first, in their order; then the functioning question; the date last.
        items = [self.item_name(i) for i in range(len(instrument.items))]
        self.order_fields([*items, "difficulty"])

    @staticmethod
    def item_name(index: int) -> str:
        return f"item_{index + 1}"

    @property
    def item_fields(self) -> list[forms.BoundField]:
        return [self[self.item_name(i)] for i in range(len(self.instrument.items))]

    @property
    def answers(self) -> list[str]:
        return [self.cleaned_data.get(self.item_name(i)) for i in range(len(self.instrument.items))]

    def clean(self) -> dict:
        data = super().clean()
        try:
            self.instrument.clean(self.answers)
        except InvalidAnswers as exc:
            self.add_answer_errors(exc.errors)
        outside = data.get("outside_window")
        reason = (data.get("outside_window_reason") or "").strip()
        if outside and not reason:
            self.add_error("outside_window_reason", _("Give the reason for the date."))
        elif data.get("completed_on") and self.start is not None and self.week is not None:
            # The service's own rule, beside the date.
            refusal = window_refusal(
                start=self.start,
                week=self.week,
                completed_on=data["completed_on"],
                outside_window=bool(outside),
                reason=reason,
            )
            if refusal:
                self.add_error("completed_on", refusal)
        return data

    def add_answer_errors(self, errors: dict) -> None:
        """Put InvalidAnswers.errors (0-based item index -> message) next to each item."""
        for index, message in errors.items():
            self.add_error(None if index is None else self.item_name(index), message)


def prefix(code: str) -> str:
    """The field prefix of an instrument on a page with more than one: "PHQ-9" -> "phq9"."""
    return code.replace("-", "").lower()


class FollowUpQuestionnaireForm(QuestionnaireForm):
    """A PHQ-9 or GAD-7 on the GP's follow-up page: the items and the functioning question,
    dated with the follow-up (so no date and no window of its own); its fields prefixed with
    the instrument (`phq9-item_9`), two on one page."""

    def __init__(self, *args, instrument: Instrument, **kwargs) -> None:
        super().__init__(*args, instrument=instrument, prefix=prefix(instrument.code), **kwargs)
        for name in ("completed_on", "outside_window", "outside_window_reason"):
            del self.fields[name]
        # Asked in the consultation itself, so answered (a paper form at week 0 may not be).
        self.fields["difficulty"].required = True
        self.fields["difficulty"].error_messages["required"] = _("Answer this question.")


class AcknowledgeForm(forms.Form):
    """What the GP did about a safety alert: a short note, required."""

    note = forms.CharField(
        label=_("What was done?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("For example: patient called, no acute danger, appointment tomorrow."),
        error_messages={
            "required": _(
                "Write down briefly what was done, for example: patient called, no acute"
                " danger, appointment tomorrow."
            )
        },
    )

    def __init__(self, *args, alert_pk: int, **kwargs) -> None:
        # One form per alert on a home that lists several: ids of their own.
        super().__init__(*args, auto_id=f"id_alert{alert_pk}_%s", **kwargs)
