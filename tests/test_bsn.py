"""The BSN validator: exactly 9 digits that pass the 11-check (elfproef)."""

import pytest
from django.core.exceptions import ValidationError

from patients.validators import bsn_is_valid, validate_bsn

from .factories import TEST_BSNS, PatientFactory

# Each valid number with its weighted sum 9*d1 + 8*d2 + ... + 2*d8 - 1*d9, worked out by hand.
VALID = [
    # 9*1 + 8*1 + 7*1 + 6*2 + 5*2 + 4*2 + 3*3 + 2*3 - 3 = 66 = 6 * 11
    ("111222333", 66),
    # 9*1 + 8*2 + 7*3 + 6*4 + 5*5 + 4*6 + 3*7 + 2*8 - 2 = 154 = 14 * 11
    ("123456782", 154),
    # 9*9 + 8*9 + 7*9 + 6*9 + 5*9 + 4*0 + 3*0 + 2*1 - 9 = 308 = 28 * 11
    ("999990019", 308),
    # A leading zero is part of the number: 0 + 8*1 + 7*2 + 6*3 + 5*4 + 4*5 + 3*6 + 2*7 - 2 = 110
    ("012345672", 110),
]

# Nine digits that fail the 11-check, with their weighted sums.
FAILS_CHECK = [
    ("123456789", 147),  # 147 = 13 * 11 + 4
    ("111222334", 65),  # 65 = 5 * 11 + 10
    ("999990018", 309),  # 309 = 28 * 11 + 1
    ("111222332", 67),  # 67 = 6 * 11 + 1
]

NOT_NINE_DIGITS = ["", "12345678", "1234567820", "12345678a", "abcdefghi", "1234 5678", " 11122233"]


def weighted_sum(bsn: str) -> int:
    return sum(int(digit) * weight for digit, weight in zip(bsn, (9, 8, 7, 6, 5, 4, 3, 2, -1)))


@pytest.mark.parametrize(("bsn", "total"), VALID)
def test_number_passing_the_eleven_check_is_a_valid_bsn(bsn, total):
    assert weighted_sum(bsn) == total
    assert total % 11 == 0
    assert bsn_is_valid(bsn)
    validate_bsn(bsn)


@pytest.mark.parametrize(("bsn", "total"), FAILS_CHECK)
def test_nine_digits_failing_the_eleven_check_are_refused_as_checksum_error(bsn, total):
    assert weighted_sum(bsn) == total
    assert total % 11 != 0
    assert not bsn_is_valid(bsn)
    with pytest.raises(ValidationError) as excinfo:
        validate_bsn(bsn)
    assert excinfo.value.code == "bsn_checksum"


@pytest.mark.parametrize("value", NOT_NINE_DIGITS)
def test_anything_but_nine_digits_is_refused_as_format_error(value):
    assert not bsn_is_valid(value)
    with pytest.raises(ValidationError) as excinfo:
        validate_bsn(value)
    assert excinfo.value.code == "bsn_format"


def test_all_zeros_is_refused_although_its_weighted_sum_is_zero():
    assert weighted_sum("000000000") % 11 == 0
    assert not bsn_is_valid("000000000")
    with pytest.raises(ValidationError) as excinfo:
        validate_bsn("000000000")
    assert excinfo.value.code == "bsn_checksum"


@pytest.mark.parametrize(
    "value",
    [
        "１２３４５６７８２",  # fullwidth digits of the valid 123456782
        "١٢٣٤٥٦٧٨٢",  # Arabic-Indic digits of the valid 123456782
    ],
)
def test_non_ascii_digits_are_refused_as_format_error(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_bsn(value)
    assert excinfo.value.code == "bsn_format"


def test_superscript_digit_is_refused_as_format_error_not_a_crash():
    with pytest.raises(ValidationError) as excinfo:
        validate_bsn("11122233²")
    assert excinfo.value.code == "bsn_format"


def test_every_factory_bsn_is_a_valid_bsn_in_the_test_range():
    assert len(TEST_BSNS) > 800
    assert len(set(TEST_BSNS)) == len(TEST_BSNS)
    for bsn in TEST_BSNS:
        assert bsn.startswith("99999")
        assert weighted_sum(bsn) % 11 == 0


@pytest.mark.django_db
def test_patient_full_clean_rejects_an_invalid_bsn():
    patient = PatientFactory.build(practice=PatientFactory().practice, bsn="123456789")
    with pytest.raises(ValidationError) as excinfo:
        patient.full_clean()
    assert [error.code for error in excinfo.value.error_dict["bsn"]] == ["bsn_checksum"]


@pytest.mark.django_db
def test_patient_full_clean_accepts_a_valid_bsn():
    patient = PatientFactory.build(practice=PatientFactory().practice, bsn="111222333")
    patient.full_clean()
