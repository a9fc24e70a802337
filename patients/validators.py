import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ASCII digits only: str.isdigit() would also accept "²" or Arabic-Indic digits.
NINE_DIGITS = re.compile(r"[0-9]{9}")


def bsn_is_valid(value: str) -> bool:
    """The 11-check (elfproef): 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11."""
    if not NINE_DIGITS.fullmatch(value) or value == "000000000":
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(int(d) * w for d, w in zip(value, weights, strict=True)) % 11 == 0


def validate_bsn(value: str) -> None:
    if not NINE_DIGITS.fullmatch(value):
        raise ValidationError(_("A BSN has exactly 9 digits."), code="bsn_format")
    if not bsn_is_valid(value):
        raise ValidationError(
            _("This is not a valid BSN (it fails the 11-check). Please check the number."),
            code="bsn_checksum",
        )


FOUR_DIGITS = re.compile(r"[0-9]{4}")


def validate_uzovi(value: str) -> None:
    """A UZOVI code: the four digits of an insurer in Vektis' UZOVI register (e.g. 3311)."""
    if not FOUR_DIGITS.fullmatch(value):
        raise ValidationError(_("A UZOVI code has exactly 4 digits."), code="uzovi_format")
