"""Checks of user input that every app shares: reasons, phone numbers, attachments."""

import argparse
import os
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.http import positive_int

#: the earliest year a date of the work may fall in (a class, a circular's period): one
#: before is a mistyped year (1900-01-01), not history the system keeps
EARLIEST_YEAR = 2000


def implausible_day_refusal(day, *, years_ahead: int, today=None) -> str | None:
    """Why `day` is no date of the work: before EARLIEST_YEAR, or more than `years_ahead`
    years from today (9999-12-31); None when it is plausible."""
    if day is None:
        return None
    today = today or timezone.localdate()
    if day.year < EARLIEST_YEAR:
        return _("The year %(year)s is not plausible: check the date.") % {"year": day.year}
    if day.year > today.year + years_ahead:
        return _("%(date)s is more than %(years)s years away: check the date.") % {
            "date": day.isoformat(),
            "years": years_ahead,
        }
    return None


# A reason is a few sentences; a page of text is a document to attach.
REASON_MAX_LENGTH = 1000


def require_reason(reason, message) -> str:
    """A step that refuses, returns or cancels must say why, in at most REASON_MAX_LENGTH
    characters; returns the stripped reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    check_reason_length(reason)
    return reason


def check_reason_length(reason, field: str = "reason") -> None:
    """Refuse a reason (or comment) longer than REASON_MAX_LENGTH characters."""
    if len((reason or "").strip()) > REASON_MAX_LENGTH:
        raise ValidationError({field: reason_too_long(len(reason.strip()))})


def reason_too_long(length: int) -> str:
    return _("Please keep the reason within %(max)s characters (it has %(length)s).") % {
        "max": REASON_MAX_LENGTH,
        "length": length,
    }


# Mainland numbers: a mobile (11 digits, 13x–19x), or a landline with its area code
# (010, 021, 0571 …), a hyphen, and 7 or 8 digits.
MOBILE_PHONE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE_PHONE = re.compile(r"0[0-9]{2,3}-[0-9]{7,8}")


def validate_phone(value, *, mobile_only: bool = False) -> str:
    """The phone number without spaces, or a ValidationError saying what is expected."""
    number = re.sub(r"\s", "", str(value or ""))
    if MOBILE_PHONE.fullmatch(number):
        return number
    if mobile_only:
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number, e.g. 13812345678."), code="phone"
        )
    if LANDLINE_PHONE.fullmatch(number):
        return number
    raise ValidationError(
        _(
            "Enter a mainland phone number: an 11-digit mobile number (e.g. 13812345678) or "
            "a landline with its area code (e.g. 0571-12345678)."
        ),
        code="phone",
    )


def validate_mobile_phone(value) -> str:
    """For a number messages are sent to (SMS): mobile numbers only."""
    return validate_phone(value, mobile_only=True)


# Attachments people send with a request: documents and scans. Each type by its extension
# and by the bytes it starts with, so an HTML page renamed .pdf is refused too.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc and .xls (Compound File)
_ZIP = b"PK\x03\x04"  # .docx and .xlsx (Office Open XML)
ATTACHMENT_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": (_OLE,),
    ".xls": (_OLE,),
    ".docx": (_ZIP,),
    ".xlsx": (_ZIP,),
}
ATTACHMENT_TYPES_TEXT = gettext_lazy("PDF, JPEG, PNG, Word (DOC/DOCX) or Excel (XLS/XLSX)")


def validate_attachment(upload) -> None:
    """An uploaded attachment is one of ATTACHMENT_SIGNATURES' types — its name's extension
    and its first bytes agree — and at most ATTACHMENT_MAX_BYTES long."""
    if upload is None:
        return
    extension = os.path.splitext(upload.name or "")[1].lower()
    signatures = ATTACHMENT_SIGNATURES.get(extension)
    if signatures is None:
        raise ValidationError(
            _("Attach a %(types)s file.") % {"types": ATTACHMENT_TYPES_TEXT},
            code="attachment_type",
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The attachment is larger than %(max)s MB.")
            % {"max": ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            code="attachment_size",
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    if not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(
            _("The attachment's content is not the %(extension)s file its name says.")
            % {"extension": extension[1:].upper()},
            code="attachment_content",
        )


def count_argument(maximum: int = 1_000_000):
    """An argparse type for a management command's count (--limit …): a whole number from
    1 to `maximum`, or a usage error instead of a traceback from the database."""

    def parse(text):
        number = positive_int(text, maximum)
        if number is None:
            raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {maximum}")
        return number

    return parse
