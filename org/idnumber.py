"""Resident identity card numbers (GB 11643-1999): 6-digit region, 8-digit birth date,
3-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.masking import mask_id_number

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def is_male(value: str) -> bool:
    return int(value[16]) % 2 == 1


def validate_id_number(value: str) -> None:
    value = normalize(value)
    if len(value) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(length)d."),
            code="id_length",
            params={"length": len(value)},
        )
    if not _SHAPE.match(value):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="id_shape"
        )
    try:
        born = birth_date(value)
    except ValueError:
        raise ValidationError(
            _("The birth date %(date)s in the ID number does not exist."),
            code="id_birth_date",
            params={"date": value[6:14]},
        ) from None
    if born.year < 1900 or born > dt.date.today():
        raise ValidationError(
            _("The birth date %(date)s in the ID number is impossible."),
            code="id_birth_date",
            params={"date": value[6:14]},
        )
    if check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of the ID number is wrong; please check the number."),
            code="id_checksum",
        )


def mask(value: str) -> str:
    """`110101199003071234` → `1101**********1234` (`core.masking`)."""
    return mask_id_number(normalize(value))


def make(region: str, born: dt.date, sequence: int) -> str:
    """Build a valid number (used by the demo seed and tests)."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
