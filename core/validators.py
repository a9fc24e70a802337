"""Validators for values typed the Dutch way that belong to no domain."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What people type around the digits of a phone number: spaces, hyphens, dots, brackets.
PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")


def validate_phone(value: str) -> None:
    """A Dutch number (06-12345678, 020 123 4567, 0031 6 ...) or an international one (+32 ...).

    Ten digits starting with 0 for a Dutch number; otherwise + (or 00) and 8 to 15 digits
    (ITU-T E.164). Letters or a stray word ("abc", "bellen na 5") are refused.
    """
    digits = PHONE_SEPARATORS.sub("", value)
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        return
    if re.fullmatch(r"(\+|00)[1-9]\d{7,14}", digits):
        return
    raise ValidationError(
        _("Enter a phone number, for example 06-12345678 or 020-1234567."), code="phone"
    )
