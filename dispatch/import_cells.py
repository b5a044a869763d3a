"""Reading the cells of an import row (dates, numbers, choices) and what the dispatch
app's import kinds share (dispatch.imports, dispatch.imports_classes)."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

from imports.kinds import Action
from org.selectors import units_in_reach

BATCH = 200

# -- reading cells ------------------------------------------------------------------------

EXCEL_EPOCH = dt.date(1899, 12, 30)
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_PATTERNS = (
    re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def text(value) -> str:
    """A cell as stripped text ("" for an empty cell); 40.0 reads as "40"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value) -> dt.date | None:
    """A date from an Excel date cell, an Excel serial number, or text written
    2027-03-01, 2027/3/1, 2027.3.1, 2027年3月1日 or 20270301; None if unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    if raw.isdigit() and len(raw) <= 5 or isinstance(value, int | float):
        try:
            serial = int(Decimal(raw))
        except (InvalidOperation, ValueError):
            return None
        if 1 <= serial <= 2958465:
            return EXCEL_EPOCH + dt.timedelta(days=serial)
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def parse_decimal(value) -> Decimal | None:
    try:
        number = Decimal(text(value).replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_int(value) -> int | None:
    number = parse_decimal(value)
    if number is None or number != number.to_integral_value() or abs(number) > 10**9:
        return None
    return int(number)


def choice_lookup(choices) -> dict[str, str]:
    """{accepted spelling: value} for a TextChoices: the value, the Chinese label and the
    English label."""
    lookup = {}
    for value, label in choices.choices:
        lookup[value] = value
        with translation.override("en"):
            lookup[str(label)] = value
        with translation.override("zh-hans"):
            lookup[str(label)] = value
    return lookup


def choice_labels(choices) -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _value, label in choices.choices)


def too_long(label: str, value: str, limit: int) -> str:
    return _("%(field)s has %(length)s characters; at most %(max)s are allowed.") % {
        "field": label,
        "length": len(value),
        "max": limit,
    }


def dispatcher_reach(actor, unit_ids) -> set[int]:
    """Which of `unit_ids` the actor reaches as a dispatcher (the system, None: all)."""
    unit_ids = {pk for pk in unit_ids if pk}
    if actor is None or actor.is_superuser:
        return unit_ids
    return set(
        units_in_reach(actor, "issue_dispatch").filter(pk__in=unit_ids).values_list("pk", flat=True)
    )


def write_in_batches(outcomes, progress, write):
    done = 0
    for outcome in outcomes:
        if outcome.action in (Action.CREATE, Action.UPDATE):
            write(outcome)
        done += 1
        if done % BATCH == 0:
            progress(BATCH)
    if done % BATCH:
        progress(done % BATCH)
