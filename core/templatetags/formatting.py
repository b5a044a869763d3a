"""`{% load formatting %}`: the template side of core.formatting.

`{{ value|hours }}` prints credit hours as format_hours does (40, 12.5); a value that
is not a number (a raw cell of an import) is shown as it is."""

from decimal import InvalidOperation

from django import template

from core.formatting import format_hours

register = template.Library()


@register.filter
def hours(value):
    try:
        return format_hours(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
