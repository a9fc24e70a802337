"""The dashboard's period and practice, as the GET parameters of every dashboard page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice, User

from .period import Period, choosable

#: Parameters of the old free ranges (`months`, `start`, `end`): refused with a message, never
#: used, so an old bookmark cannot ask for two overlapping ranges.
RANGE_PARAMETERS = ("months", "start", "end")


class PeriodForm(forms.Form):
    """The period (a whole month, quarter or year) and, for the administrator, the practice."""

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Added here, not as a class attribute: the name `period` is the method below.
        self.fields["period"] = forms.ChoiceField(
            label=_("Period"),
            required=False,
            choices=choosable(),
            initial=Period.default().key,
            error_messages={
                "invalid_choice": _("Choose a year, a quarter or a month from the list."),
            },
        )
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
        if any(self.data.get(name) for name in RANGE_PARAMETERS) and "period" not in self.errors:
            self.add_error(
                "period",
                _(
                    "Reports cover whole months, quarters or years only: choose a period "
                    "from the list."
                ),
            )
        return data

    def period(self) -> Period:
        """The chosen period; this year when none was chosen or the choice is wrong."""
        if not self.is_bound or "period" in self.errors:
            return Period.default()
        return Period.parse(self.cleaned_data.get("period") or "") or Period.default()

    def practice(self) -> Practice | None:
        if not self.is_bound or "practice" not in self.fields or "practice" in self.errors:
            return None
        return self.cleaned_data.get("practice")
