"""Dates and numbers as the pages and documents print them — one copy each.

Dates follow the zh_Hans formats module (`config/formats/zh_Hans/formats.py`:
2026年11月27日) through Django's `date_format`, so a page, a message and a task's
details print the same thing. Official documents are Chinese whatever language is
active (a Celery task or a management command may have none, and then Django falls back
to its English `March 5, 2026`): they print through `format_document_date`."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, translation

# GB/T 9704 documents are written in Chinese, whoever renders them.
DOCUMENT_LANGUAGE = "zh-hans"


def format_date(value: dt.date | None, format_name: str = "DATE_FORMAT") -> str:
    """2026年3月5日 (DATE_FORMAT, or another named format such as YEAR_MONTH_FORMAT, of
    the active language); empty for None."""
    return formats.date_format(value, format_name) if value else ""


def format_document_date(value: dt.date | None, format_name: str = "DATE_FORMAT") -> str:
    """A date in an official document (成文日期 included): 2026年3月5日 in Arabic numerals
    without leading zeros, under zh_Hans whatever language is active."""
    with translation.override(DOCUMENT_LANGUAGE):
        return format_date(value, format_name)


def format_span(start: dt.date, end: dt.date) -> str:
    """2026年3月5日—2026年3月9日 (one date when both are the same day)."""
    if start == end:
        return format_date(start)
    return f"{format_date(start)}—{format_date(end)}"


def format_hours(value) -> str:
    """Credit hours without a trailing .0: 40, 12.5. Hours carry one decimal place; a
    float (a sum read from the database by SQLite) is rounded first, so that
    0.1 + 0.2 hours print as 0.3."""
    if value in ("", None):
        return ""
    number = Decimal(str(round(value, 2))) if isinstance(value, float) else Decimal(str(value))
    return f"{number.normalize():f}"


TENTH = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in per cent, to one decimal place rounded half up, from the two
    counts (13 of 16: 81.25 → 81.3): the rate every page, download and document prints.
    None when `whole` is 0 (no rate to give). Rounded once, from the counts: a rate
    rounded before (to four places of a fraction, say) and rounded again can print
    otherwise (14 of 17: 82.35… → 0.8235 → 82.3 instead of 82.4)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def format_percent(part: int, whole: int, empty: str = "—") -> str:
    """`percent` as printed: 82.4%, 100.0%; `empty` when there is no rate."""
    value = percent(part, whole)
    return empty if value is None else f"{value}%"
