"""Candidate suggestions for a roll call: who most needs this class.

Cadres in the dispatcher's jurisdiction are ranked by

1. leadership-team members overdue for systematic training (the plan: at least once
   every 2–3 years; the rule in force says how many, `dispatch.leadership`) or short
   of the days rule (at least 60 days of concentrated training in 5 years);
2. outstanding young cadres not yet rotated through a systematic training since they
   were flagged (within the rule's 5 years; since 5 years ago where the day flagged is
   not recorded);
3. then the shortfall against their concentrated-training requirement, largest first,

excluding anyone already dispatched to this class (in any status but cancelled: a cadre
is dispatched to a class once) or sitting in a class whose dates overlap it. Everything
is evaluated as of the class's start date. Each suggestion carries its reasons in words.

The ranking is done in SQL: for each set of cadre categories sharing the same rules (two
with the default rules) one query reads the compliance figures from the running totals
(`ledger.compliance.profile_query`), adds the shortfall and the priority, orders and
takes the first `limit`; only those few rows reach Python, where
the lists are merged, and one more query loads the chosen cadres with their units and
last systematic training for the reasons.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Case, DateField, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.formatting import format_date
from dispatch import leadership
from dispatch.leadership import last_systematic_training
from dispatch.selectors import dispatches_ruling_out
from ledger import compliance, cycles
from org import selectors as org_selectors
from org.models import Cadre


@dataclass
class Suggestion:
    cadre: Cadre
    gap: float  # 0 (requirement met) .. 1 (nothing done)
    priority: int  # lower first
    reasons: list[str] = field(default_factory=list)


def _ranked(
    pool, profile: compliance.Profile, rules: cycles.CycleRules, as_of: dt.date, limit: int
) -> list[dict]:
    """The first `limit` of the profile's cadres in `pool`, ranked in SQL: their priority,
    shortfall and concentrated-training figures (from the running totals), as dicts."""
    # Short-circuited: the lookups run only for leadership-team members and young cadres.
    whens = []
    leader_due = leadership.systematic_due(rules, as_of)
    if leader_due is not None:
        whens.append(
            When(
                Q(is_leadership_member=True) & ~leadership.systematic_since(as_of, leader_due),
                then=Value(1),
            )
        )
    young_since = leadership.young_fallback(rules, as_of)
    if young_since is not None:
        # Trained since the day flagged, or (not recorded) in the rule's last years.
        start = Coalesce(
            OuterRef("young_cadre_since"), Value(young_since), output_field=DateField()
        )
        whens.append(
            When(
                Q(is_young_cadre=True) & ~leadership.systematic_since(as_of, start),
                then=Value(2),
            )
        )
    priority = (
        Case(*whens, default=Value(3), output_field=IntegerField())
        if whens
        else Value(3, output_field=IntegerField())
    )
    base = pool.annotate(priority=priority, unit_path=F("unit__path"))
    query = compliance.profile_query(
        base,
        profile,
        as_of,
        columns=("id", "name", "unit_path", "priority", "is_leadership_member"),
    )
    if query is None:
        return []
    rank, rank_params, days, days_join, days_params = _days_rule(pool, profile, rules, as_of)
    concentrated = next(
        ((prefix, rule) for prefix, rule in query.rules if rule.kind == "concentrated"), None
    )
    gap, extra = "0.0", ""
    if concentrated:
        progress = f"p.{concentrated[0]}_progress"
        gap = f"CASE WHEN {progress} >= 1.0 THEN 0.0 ELSE 1.0 - {progress} END"
        extra = f", p.{concentrated[0]}_hours, p.{concentrated[0]}_status"
    sql = (
        f"SELECT p.id, p.unit_path, p.name, {rank} AS rank, p.priority, {days} AS days, "
        f"{gap} AS gap{extra} FROM ({query.sql}) p{days_join} "
        "ORDER BY rank, gap DESC, p.unit_path, p.name, p.id LIMIT %s"
    )
    with connections[pool.db].cursor() as cursor:
        cursor.execute(sql, [*rank_params, *query.params, *days_params, limit])
        fetched = cursor.fetchall()
    rows = []
    for pk, path, name, rank_, cycle_priority, leader_days, shortfall, *figures in fetched:
        row = {
            "pk": pk,
            "key": (rank_, -float(shortfall), path, name),
            "priority": rank_,
            "systematic_overdue": cycle_priority == 1,
            "days_short": (
                (float(leader_days), float(rules.concentrated.min_days))
                if leader_days is not None
                and float(leader_days) < float(rules.concentrated.min_days)
                else None
            ),
            "gap": float(shortfall),
            "concentrated": None,
        }
        if concentrated:
            row["concentrated"] = (figures[0], concentrated[1].min_hours, figures[1])
        rows.append(row)
    return rows


def _days_rule(pool, profile, rules: cycles.CycleRules, as_of: dt.date):
    """The SQL that ranks a leadership-team member short of the days rule (at least 60
    days of concentrated training in 5 years, `rules.concentrated`) first, as one
    overdue for systematic training is: (rank SQL, its params, the member's days SQL, the
    join summing the members' days from the running totals, its params)."""
    rule = rules.concentrated
    if rule is None or not rule.min_days:
        return "p.priority", [], "NULL", "", []
    leaders = pool.filter(category__in=profile.categories, is_leadership_member=True)
    ids_sql, ids_params = leaders.order_by().values("id").query.sql_with_params()
    sums = cycles.concentrated_days_sql(
        rule, as_of, connections[pool.db], ids_sql, list(ids_params)
    )
    days, join, params = "0.0", "", []
    if sums is not None:
        # rounded as `leadership.days_counted` rounds: the float noise of summing tenths
        days, join, params = (
            "ROUND(CAST(COALESCE(d.c_d, 0.0) AS NUMERIC), 6)",
            f" LEFT JOIN ({sums[0]}) d ON d.cadre_id = p.id",
            sums[1],
        )
    short = f"p.is_leadership_member AND {days} < %s"
    rank = f"CASE WHEN p.priority > 1 AND {short} THEN 1 ELSE p.priority END"
    return (
        rank,
        [float(rule.min_days)],
        f"CASE WHEN p.is_leadership_member THEN {days} END",
        join,
        params,
    )


def _has_reasons(row) -> bool:
    return row["priority"] < 3 or (
        row["concentrated"] is not None and row["concentrated"][2] != compliance.MET
    )


def _reasons(cadre, row, rules: cycles.CycleRules, as_of: dt.date) -> list[str]:
    reasons = []
    last = cadre.last_systematic
    if cadre.is_leadership_member and row["systematic_overdue"]:
        years = rules.systematic.years
        if last:
            reasons.append(
                _(
                    "leadership-team member without systematic training since %(date)s "
                    "(due every %(years)s years)"
                )
                % {"date": format_date(last), "years": years}
            )
        else:
            reasons.append(
                _(
                    "leadership-team member with no systematic training on record "
                    "(due every %(years)s years)"
                )
                % {"years": years}
            )
    if row["days_short"] is not None:
        done, required = row["days_short"]
        reasons.append(
            _(
                "leadership-team member with %(done)s of %(required)s days of concentrated "
                "training in %(years)s years"
            )
            % {
                "done": leadership.days_shown(done),
                "required": f"{required:g}",
                "years": rules.concentrated.years,
            }
        )
    flagged = cadre.young_cadre_since
    start = flagged or leadership.young_fallback(rules, as_of)
    if cadre.is_young_cadre and start is not None and (last is None or last < start):
        if flagged:
            reasons.append(
                _(
                    "outstanding young cadre flagged on %(date)s, not yet rotated through "
                    "training (due by %(due)s)"
                )
                % {
                    "date": format_date(flagged),
                    "due": format_date(leadership.young_deadline(rules, flagged)),
                }
            )
        else:
            reasons.append(
                _("outstanding young cadre not rotated through training in %(years)s years")
                % {"years": rules.young.years}
            )
    if row["concentrated"] is not None:
        done, required, status = row["concentrated"]
        if status != compliance.MET:
            reasons.append(
                _("concentrated training %(done).0f of %(required).0f hours (%(status)s)")
                % {
                    "done": done,
                    "required": required,
                    "status": {
                        compliance.ON_TRACK: _("on track"),
                        compliance.AT_RISK: _("at risk"),
                        compliance.SHORT: _("short"),
                    }[status],
                }
            )
    return reasons


def suggest(
    user, training_class, *, as_of: dt.date | None = None, limit: int = 50
) -> list[Suggestion]:
    """The `limit` cadres in `user`'s reach who most need `training_class`, evaluated as
        of its start date (or `as_of`).

        One ranked query (ORDER BY … LIMIT) per set of categories sharing the same rules,
        then one query for the chosen cadres, their units and last systematic training (and
    one for the cycle rules in force)."""
    as_of = as_of or training_class.start_date
    pool = org_selectors.cadres_in_reach(user, "issue_dispatch").exclude(
        pk__in=dispatches_ruling_out(training_class).values("cadre_id")
    )
    rules = cycles.cycle_rules(as_of)
    rows = []
    for profile in compliance.profiles(as_of):
        rows.extend(_ranked(pool, profile, rules, as_of, limit))
    # Cadres with nothing to report rank last (priority 3, no shortfall), so dropping
    # them after the LIMIT loses nobody who has a reason.
    rows = sorted((r for r in rows if _has_reasons(r)), key=lambda r: (r["key"], r["pk"]))
    rows = rows[:limit]
    cadres = (
        Cadre.objects.filter(pk__in=[r["pk"] for r in rows])
        .select_related("unit")
        .annotate(last_systematic=last_systematic_training(as_of))
        .in_bulk()
    )
    return [
        Suggestion(
            cadre=cadres[row["pk"]],
            gap=row["gap"],
            priority=row["priority"],
            reasons=_reasons(cadres[row["pk"]], row, rules, as_of),
        )
        for row in rows
    ]


__all__ = ["Suggestion", "suggest"]
