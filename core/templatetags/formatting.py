"""`{% load formatting %}`: the template side of core.formatting.

`{{ value|hours }}` prints credit hours as format_hours does (40, 12.5); a value that
is not a number (a raw cell of an import) is shown as it is. `{% date_span start end %}`
prints a span of dates that never breaks inside a date."""

from decimal import InvalidOperation

from django import template
from django.utils.html import format_html

from core.formatting import format_date, format_hours

register = template.Library()


@register.filter
def hours(value):
    try:
        return format_hours(value)
    except (InvalidOperation, TypeError, ValueError):
        return value


@register.simple_tag
def date_span(start, end):
    """From `start` to `end` as the pages print it (2027年1月6日—2027年2月4日), each date
    unbroken: a narrow card wraps at the dash, never inside a date ("2027年2月 / 4日")."""
    return format_html(
        '<span class="xd-dates"><span class="xd-date">{}</span>—'
        '<span class="xd-date">{}</span></span>',
        format_date(start),
        format_date(end),
    )
