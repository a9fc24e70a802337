"""Form widgets shared by the apps' forms."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker; it sends ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DecimalInput(forms.TextInput):
    """A text field with the phone's decimal keypad. Not the browser's number input: what that
    makes of "2,4" depends on the browser's language (an English Chromium saved 24)."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})


class DecimalCommaField(forms.DecimalField):
    """A decimal as Dutch people type it: "2,4" and "2.4" both mean 2.4, in any language of the
    page; spaces are ignored. A value with both a comma and a point ("1.234,5") is refused
    rather than guessed. Shown back in the page's language (2,4 in Dutch)."""

    widget = DecimalInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace("\u00a0", "")
            if "," in value and "." in value:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            value = value.replace(",", ".")
        return super().to_python(value)

    def widget_attrs(self, widget):
        # No min/max/step: those belong to number inputs, which this is not on purpose.
        return {
            key: value
            for key, value in super().widget_attrs(widget).items()
            if key not in ("min", "max", "step")
        }


class RadioSelect(forms.RadioSelect):
    """Radio buttons without Django's "---------" choice when an answer is required.

    A model field with choices and no default gets an empty choice; as a select that is the
    "choose" line, but as a radio button it became a selectable, pre-selected answer (found in a
    try-out on the sex, the screening's outcome and the follow-up). A required field now starts
    with no button pressed, and leaving it so gets the field's "required" message.
    """

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        if not self.is_required:
            return groups
        kept = []
        for group_name, options, index in groups:
            options = [option for option in options if option["value"] not in ("", None)]
            if options:
                kept.append((group_name, options, index))
        return kept
