"""Dates and numbers as the pages and documents print them — one copy each.

Dates follow the zh_Hans formats module (`config/formats/zh_Hans/formats.py`:
2026年11月27日) through Django's `date_format`, so a page, a message and a task's
details print the same thing."""

import datetime as dt
from decimal import Decimal

from django.utils import formats


def format_date(value: dt.date | None) -> str:
    """2026年3月5日 (DATE_FORMAT of the active language); empty for None."""
    return formats.date_format(value) if value else ""


def format_span(start: dt.date, end: dt.date) -> str:
    """2026年3月5日—2026年3月9日 (one date when both are the same day)."""
    if start == end:
        return format_date(start)
    return f"{format_date(start)}—{format_date(end)}"


def format_hours(value) -> str:
    """Credit hours without a trailing .0: 40, 12.5."""
    if value in ("", None):
        return ""
    return f"{Decimal(str(value)).normalize():f}"
