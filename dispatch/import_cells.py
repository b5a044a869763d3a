"""Reading the cells of an import row (dates, numbers, choices) and what the dispatch
app's import kinds share (dispatch.imports, dispatch.imports_classes)."""

from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

from imports.kinds import Action

# The cells org reads (dates, text), read alike: the dispatch kinds import them from here.
from org.imports_common import parse_date, text  # noqa: F401
from org.selectors import units_in_reach

BATCH = 200

# -- reading cells ------------------------------------------------------------------------


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
