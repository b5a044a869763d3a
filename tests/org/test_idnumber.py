"""Resident ID numbers (GB 11643): the check character, the birth date, and the mask that
shows four characters at each end."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from org import idnumber

VALID = "11010519491231002X"  # the standard's own example


def test_it_accepts_the_standard_example():
    idnumber.validate_id_number(VALID)


def test_it_accepts_a_lowercase_x():
    idnumber.validate_id_number(VALID.lower())


@pytest.mark.parametrize(
    "value, code",
    [
        ("110105194912310021", "id_checksum"),
        ("11010519491231002", "id_length"),
        ("1101051949123100211", "id_length"),
        ("110105194902300028", "id_birth_date"),  # 30 February
        ("11010518991231002X", "id_birth_date"),
        ("01010519491231002X", "id_shape"),
        ("1101051949123100A2", "id_shape"),
    ],
)
def test_it_refuses_bad_numbers(value, code):
    with pytest.raises(ValidationError) as exc:
        idnumber.validate_id_number(value)
    assert exc.value.code == code


def test_it_refuses_a_birth_date_in_the_future():
    future = dt.date.today() + dt.timedelta(days=400)
    with pytest.raises(ValidationError) as exc:
        idnumber.validate_id_number(idnumber.make("110101", future, 11))
    assert exc.value.code == "id_birth_date"


def test_make_builds_numbers_that_validate():
    number = idnumber.make("130723", dt.date(1988, 2, 29), 37)
    idnumber.validate_id_number(number)
    assert idnumber.is_male(number)


def test_mask_shows_four_characters_at_each_end():
    assert idnumber.mask(VALID) == "1101**********002X"
