"""Teaching indicators (教学指标) of a class's curriculum: the share of its hours given to
each kind of content, against the rules in force (`TeachingIndicatorRule`).

Works over any objects with `.hours`, `.content` and `.by_leading_cadre` (and, if they
have one, `.method`: a session taught by cases or interactively counts for those
measures whatever its content) — a class's sessions (`ClassSession`) or a plan line's
planned sessions alike."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from core.hooks import Readers
from dispatch.models.curriculum import (
    SessionContent,
    SessionMethod,
    TeachingIndicatorRule,
    TeachingMeasure,
)
from org import policy

HUNDRED = Decimal(100)

# Which session contents each measure counts (the leading-cadre measure counts teachers).
MEASURE_CONTENTS = {
    TeachingMeasure.THEORY_AND_PARTY_SPIRIT: {SessionContent.THEORY, SessionContent.PARTY_SPIRIT},
    TeachingMeasure.PARTY_SPIRIT: {SessionContent.PARTY_SPIRIT},
    TeachingMeasure.CASE_TEACHING: {SessionContent.CASE_TEACHING},
    TeachingMeasure.INTERACTIVE: {SessionContent.INTERACTIVE},
}

# A session taught by case or interactive method counts for that measure too, whatever
# its content (so theory and party spirit can hold 70 % while cases hold 15 %).
METHOD_MEASURES = {
    TeachingMeasure.CASE_TEACHING: {SessionMethod.CASE_TEACHING},
    TeachingMeasure.INTERACTIVE: {SessionMethod.INTERACTIVE},
}


@dataclass(frozen=True)
class IndicatorCheck:
    """One indicator measured on a curriculum: `actual` and `required` in percent."""

    measure: str
    label: str
    hours: Decimal
    actual: Decimal
    required: Decimal
    met: bool
    rule_id: int | None = None
    rule_version: int | None = None


Shortfall = IndicatorCheck


def _hours(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def measure_hours(sessions: Iterable) -> dict[str, Decimal]:
    """The hours each measure counts in `sessions`, and the total under "total"."""
    result = {str(m): Decimal(0) for m in TeachingMeasure.values}
    total = Decimal(0)
    for session in sessions:
        hours = _hours(session.hours)
        total += hours
        content = str(session.content)
        # Case and interactive teaching count by content or by method (optional).
        method = str(getattr(session, "method", "") or "")
        for measure, contents in MEASURE_CONTENTS.items():
            if content in contents or method in METHOD_MEASURES.get(measure, ()):
                result[str(measure)] += hours
        if session.by_leading_cadre:
            result[str(TeachingMeasure.LEADING_CADRES)] += hours
    result["total"] = total
    return result


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    """A share in percent to one decimal, rounded half up (四舍五入) as it is shown."""
    if not whole:
        return Decimal(0)
    return (part * HUNDRED / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def teaching_shares(sessions: Iterable, class_hours=None) -> dict[str, Decimal]:
    """Each measure's share of the hours, in percent (one decimal): of `class_hours`
    when given, else of the sessions' own total."""
    hours = measure_hours(sessions)
    whole = _hours(class_hours) if class_hours else hours["total"]
    return {m: _percent(hours[m], whole) for m in TeachingMeasure.values}


def rules_in_force(on: dt.date) -> list[TeachingIndicatorRule]:
    """The teaching indicator rules in force on `on`, one per measure (one query)."""
    rules = TeachingIndicatorRule.objects.filter(effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on)
    )
    latest: dict[str, TeachingIndicatorRule] = {}
    for rule in rules.order_by("measure", "effective_from", "version"):
        latest[rule.measure] = rule
    order = {m: i for i, m in enumerate(TeachingMeasure.values)}
    return sorted(latest.values(), key=lambda r: order.get(r.measure, len(order)))


def teaching_checks(
    sessions: Iterable, class_hours, on: dt.date, rules: list | None = None
) -> list[IndicatorCheck]:
    """Every indicator in force on `on`, measured as a share of `class_hours` (a
    curriculum short of the class's hours counts the missing hours as no content).
    The share is compared as it is shown, to 0.1 % (`_percent`): one shown equal to the
    minimum meets it (6 hours of 40.1 are 15.0 %, so they meet 15 %)."""
    hours = measure_hours(sessions)
    whole = _hours(class_hours) if class_hours else hours["total"]
    labels = dict(TeachingMeasure.choices)
    checks = []
    for rule in rules_in_force(on) if rules is None else rules:
        part = hours.get(rule.measure, Decimal(0))
        actual = _percent(part, whole)
        met = bool(whole) and actual >= rule.min_percent
        checks.append(
            IndicatorCheck(
                measure=rule.measure,
                label=str(labels.get(rule.measure, rule.measure)),
                hours=part,
                actual=actual,
                required=rule.min_percent,
                met=met,
                rule_id=rule.pk,
                rule_version=rule.version,
            )
        )
    return checks


def teaching_shortfalls(
    sessions: Iterable, class_hours, on: dt.date, rules: list | None = None
) -> list[Shortfall]:
    """The indicators in force on `on` that the curriculum misses (empty: all met)."""
    return [c for c in teaching_checks(sessions, class_hours, on, rules) if not c.met]


#: (training_class) -> the reason the class's curriculum was let miss the teaching
#: indicators (豁免), or None. Plans live above this app: the planning app registers the
#: waiver its org department head granted the class's plan line (`register_waiver`).
_waivers = Readers()
register_waiver = _waivers.register


def waiver_reason(training_class) -> str | None:
    """Why the class may miss the teaching indicators (a waiver granted with its
    reason), or None."""
    return _waivers.first(training_class)


def session_hours_refusal(hours) -> str | None:
    """A session lasts more than zero hours (the database's `session_hours_positive`)."""
    if hours is not None and hours <= 0:
        return _("A session lasts more than zero hours.")
    return None


def may_edit_curriculum(user, training_class) -> bool:
    """Who keeps a class's curriculum: the organizing department's dispatchers and the
    institution's registrars."""
    return policy.may(user, "issue_dispatch", training_class.organizer.unit) or policy.may(
        user, "record_attendance", training_class.institution.unit
    )
