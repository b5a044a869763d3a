"""The training cycles of leadership-team members and outstanding young cadres
(`CadreCycleRule`): which rules are in force, and the concentrated-training days of the
leadership rule's window, counted set-based from the running totals like every other
compliance figure (`ledger.compliance`). Whether a cadre had a *systematic* training (an
attended main or thematic class) is the dispatch app's to say: `dispatch.leadership`
puts the two together."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet

from ledger.compliance import Window, window_sums
from ledger.models import CadreCycleRule, CycleRuleKind, HourKind


@dataclass(frozen=True)
class CycleRules:
    """The rule of each kind in force on a day (None: no such rule then)."""

    systematic: CadreCycleRule | None
    concentrated: CadreCycleRule | None
    young: CadreCycleRule | None


def cycle_rules(as_of: dt.date) -> CycleRules:
    """The cycle rules in force on `as_of` (one query); of two of a kind, the later."""
    found: dict[str, CadreCycleRule] = {}
    in_force = CadreCycleRule.objects.filter(effective_from__lte=as_of).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=as_of)
    )
    for rule in in_force.order_by("kind", "effective_from", "version"):
        found[rule.kind] = rule
    return CycleRules(
        systematic=found.get(CycleRuleKind.LEADER_SYSTEMATIC),
        concentrated=found.get(CycleRuleKind.LEADER_CONCENTRATED),
        young=found.get(CycleRuleKind.YOUNG_ROTATION),
    )


def since(as_of: dt.date, years: int) -> dt.date:
    """The first day of the `years` that end on `as_of`."""
    return as_of - relativedelta(years=years) + dt.timedelta(days=1)


@dataclass(frozen=True)
class _Measured:
    """What `window_sums` reads of a rule: the kind of training and its day length."""

    kind: str
    hours_per_day: Decimal


def concentrated_days(cadres: QuerySet, rule: CadreCycleRule, as_of: dt.date) -> dict[int, float]:
    """Days of concentrated training of each of `cadres` in the rule's `years` ending on
    `as_of` (hours without days converted at its hours per day), by cadre id; cadres
    with none are left out. One query."""
    ids = cadres.order_by().values("id")
    try:
        ids_sql, ids_params = ids.query.sql_with_params()
    except EmptyResultSet:
        return {}
    sums = concentrated_days_sql(rule, as_of, connections[cadres.db], ids_sql, list(ids_params))
    if sums is None:
        return {}
    with connections[cadres.db].cursor() as cursor:
        cursor.execute(sums[0], sums[1])
        return {pk: float(days or 0.0) for pk, _hours, days in cursor.fetchall()}


def concentrated_days_sql(rule: CadreCycleRule, as_of: dt.date, connection, ids_sql, ids_params):
    """The SQL of `concentrated_days` for the cadres whose ids `ids_sql` selects, to join
    into a larger statement: (sql, params) of rows (cadre_id, c_h, c_d: hours and days),
    or None when the window holds no day."""
    window = Window(since(as_of, rule.years), as_of, 1.0)
    measured = _Measured(HourKind.CONCENTRATED, rule.hours_per_day)
    return window_sums([("c", measured, window)], connection, ids_sql, list(ids_params))
