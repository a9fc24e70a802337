"""The dashboard's period and practice, as the GET parameters of every dashboard page."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice, User

from .period import DEFAULT_MONTHS, MAX_MONTHS, Period, months_between

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")


class MonthField(forms.CharField):
    """A calendar month typed as YYYY-MM (what `<input type="month">` sends)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "size": 8})
    default_error_messages = {
        "invalid": _("Enter a month as YYYY-MM, for example 2025-03."),
    }

    def to_python(self, value) -> date | None:
        text = super().to_python(value).strip()
        if not text:
            return None
        match = MONTH_PATTERN.match(text)
        if not match or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2999:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(match[1]), int(match[2]), 1)


class PeriodForm(forms.Form):
    """The period (and, for the administrator, the practice) of a report.

    `start` and `end` win over `months`; a missing `end` is the current month, a missing `start`
    lies `months` months (default 12) before the end.
    """

    months = forms.IntegerField(
        label=_("Last months"),
        required=False,
        initial=DEFAULT_MONTHS,
        min_value=1,
        max_value=MAX_MONTHS,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_MONTHS}),
        error_messages={
            "invalid": _("Enter a whole number of months from 1 to 120."),
            "min_value": _("Enter a whole number of months from 1 to 120."),
            "max_value": _("Enter a whole number of months from 1 to 120."),
        },
    )
    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("To month"), required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user.role == User.Role.ADMIN:
            self.fields["practice"] = forms.ModelChoiceField(
                label=_("Practice"),
                queryset=Practice.objects.order_by("name"),
                required=False,
                empty_label=_("All practices"),
                error_messages={"invalid_choice": _("Choose a practice from the list.")},
            )

    def style_fields(self) -> None:
        """Bootstrap classes, and the error tied to its field for screen readers."""
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
                field.widget.attrs["aria-describedby"] = f"{self.auto_id % name}_error"
            field.widget.attrs["class"] = css

    def clean(self) -> dict:
        data = super().clean()
        if any(name in self.errors for name in ("months", "start", "end")):
            return data
        period = self._chosen_period(data)
        if period.last < period.first:
            field = "end" if data.get("end") else "start"
            self.add_error(field, _("The end month lies before the start month."))
        elif months_between(period.first, period.last) > MAX_MONTHS:
            field = "start" if data.get("start") else "end"
            self.add_error(field, _("Choose a period of at most 120 months."))
        return data

    @staticmethod
    def _chosen_period(data: dict) -> Period:
        default = Period.last_months(DEFAULT_MONTHS)
        start, end = data.get("start"), data.get("end")
        last = end or default.last
        if start:
            return Period(first=start, last=last)
        return Period.last_months(data.get("months") or DEFAULT_MONTHS, today=last)

    def period(self) -> Period:
        """The chosen period; the default (the last 12 months) when anything about it is wrong."""
        if not self.is_bound or any(name in self.errors for name in ("months", "start", "end")):
            return Period.last_months(DEFAULT_MONTHS)
        return self._chosen_period(self.cleaned_data)

    def practice(self) -> Practice | None:
        if not self.is_bound or "practice" not in self.fields or "practice" in self.errors:
            return None
        return self.cleaned_data.get("practice")
