"""Form widgets shared by the apps' forms."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker; it sends ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)
