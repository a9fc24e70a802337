"""The running log's form, for the patient's phone and the therapist's page alike.

The date is typed the Dutch way (dd-mm-jjjj: 27-11-2026, also 27-11-26, 27/11/2026 or 27 11
2026), in a plain text field: a patient with an English phone otherwise gets the browser's
mm/dd picker. Minutes are whole numbers with the phone's number keypad. How it felt is one
large button per Borg number, the anchored ones with their words (therapy.running_log); the
template `templates/therapy/_run_log_fields.html` draws the fields.
"""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.widgets import RadioSelect
from referrals.models import Referral

from .models import RunLogEntry
from .running_log import BORG_HIGH, BORG_LOW, BORG_WORDS, MINUTES_HIGH, run_log_errors

#: What a Dutch patient may type for a date; the first is how the field shows one.
DATE_FORMATS = ("%d-%m-%Y", "%d-%m-%y", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d %m %Y", "%Y-%m-%d")


class DutchDateField(forms.DateField):
    """dd-mm-jjjj in any language of the page; "3-2-2026" is 3 February."""

    widget = forms.TextInput

    def __init__(self, **kwargs) -> None:
        super().__init__(input_formats=DATE_FORMATS, **kwargs)
        self.error_messages["invalid"] = _("Enter the date as dd-mm-yyyy, for example 27-11-2026.")

    def to_python(self, value):
        if isinstance(value, str):
            value = " ".join(value.split())
            for fmt in DATE_FORMATS:
                try:
                    return datetime.strptime(value, fmt).date()
                except ValueError:
                    continue
        return super().to_python(value)

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "placeholder": _("dd-mm-yyyy"),
            "autocomplete": "off",
            "inputmode": "text",
            "size": 10,
        }


def borg_choices() -> list[tuple[int, str]]:
    return [
        (n, f"{n} {BORG_WORDS[n]}" if n in BORG_WORDS else str(n))
        for n in range(BORG_LOW, BORG_HIGH + 1)
    ]


class MinutesField(forms.IntegerField):
    """Whole minutes, 0 to 300, with one clear message; "25 min" and " 25 " are 25."""

    def __init__(self, *, message, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error_messages["invalid"] = message
        self.error_messages["required"] = message

    def to_python(self, value):
        if isinstance(value, str):
            value = value.lower().replace("min", "").strip()
        return super().to_python(value)

    def widget_attrs(self, widget):
        # A text input with the number keypad: no spinner, nothing the browser reinterprets.
        return {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off", "size": 4}


class RunLogEntryForm(forms.ModelForm):
    """One run. `referral` lets the form say beside the date when it lies before the start of
    therapy; run_log_record checks the same again when it stores."""

    date = DutchDateField(label=_("Date of the run"))
    minutes_running = MinutesField(
        label=_("Minutes running"),
        min_value=0,
        max_value=MINUTES_HIGH,
        message=_("Enter the running minutes as a whole number from 0 to 300."),
    )
    minutes_walking = MinutesField(
        label=_("Minutes walking"),
        help_text=_("Walking counts too: 0 if you ran all the way."),
        min_value=0,
        max_value=MINUTES_HIGH,
        message=_("Enter the walking minutes as a whole number from 0 to 300."),
    )
    borg = forms.TypedChoiceField(
        label=_("How did it feel?"),
        choices=borg_choices,
        coerce=int,
        widget=RadioSelect,
        help_text=_("6 is no exertion at all, 13 somewhat hard, 20 maximal exertion."),
        error_messages={
            "required": _("Choose how it felt: a number from 6 to 20."),
            "invalid_choice": _("Choose how it felt: a number from 6 to 20."),
        },
    )

    class Meta:
        model = RunLogEntry
        fields = ["date", "minutes_running", "minutes_walking", "borg", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        labels = {"note": _("Note (optional)")}

    def __init__(self, *args, referral: Referral, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral
        if not self.initial.get("date") and not self.is_bound:
            self.initial["date"] = date_format(timezone.localdate(), "d-m-Y")
        elif isinstance(self.initial.get("date"), type(timezone.localdate())):
            self.initial["date"] = date_format(self.initial["date"], "d-m-Y")
        self.fields["note"].widget.attrs["maxlength"] = RunLogEntry._meta.get_field(
            "note"
        ).max_length

    def clean(self):
        data = super().clean()
        # The rules of run_log_record, beside their fields; a field that already has its
        # message (not a number, say) keeps that one alone.
        for name, message in run_log_errors(self.referral, data).items():
            if name not in self.errors:
                self.add_error(name or None, message)
        return data
