"""Decimals the Dutch way in input: "2,4" and "2.4" both mean 2.4 (core.widgets)."""

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from core.widgets import DecimalCommaField
from therapy.forms import ScreeningForm, SessionForm


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2,4", "2.4"),
        ("2.4", "2.4"),
        (" 2,4 ", "2.4"),
        ("2", "2"),
        ("0,5", "0.5"),
        ("12,75", "12.75"),
    ],
)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_comma_and_a_point_both_mean_the_decimal_point(typed, meant, language):
    field = DecimalCommaField(max_digits=5, decimal_places=2)
    with translation.override(language):
        assert field.clean(typed) == Decimal(meant)


@pytest.mark.parametrize("typed", ["1.234,5", "2,4,1", "twee", "2,4 km"])
def test_what_cannot_be_read_as_one_number_is_refused_not_guessed(typed):
    with pytest.raises(forms.ValidationError):
        DecimalCommaField(max_digits=6, decimal_places=2).clean(typed)


def test_the_session_and_screening_forms_use_it_and_show_a_comma_in_dutch():
    assert isinstance(SessionForm().fields["distance_km"], DecimalCommaField)
    assert isinstance(ScreeningForm().fields["weight_kg"], DecimalCommaField)
    with translation.override("nl"):
        html = str(SessionForm(initial={"distance_km": Decimal("2.4")})["distance_km"])
    assert 'value="2,4"' in html
    assert 'type="text"' in html and 'inputmode="decimal"' in html
