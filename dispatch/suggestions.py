"""Candidate suggestions for a roll call: who most needs this class.

Cadres in the dispatcher's jurisdiction are ranked by

1. leadership-team members overdue for systematic training (the plan: at least once
   every 2–3 years; we flag after 2 years without an attended main or thematic class);
2. outstanding young cadres with no attended class in 5 years (rotation within 5 years);
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

from dateutil.relativedelta import relativedelta
from django.db import connections
from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext as _

from dispatch.models import ClassKind, Dispatch, DispatchStatus
from dispatch.models.dispatch import BUSY_DISPATCH_STATUSES
from ledger import compliance
from org import selectors as org_selectors
from org.models import Cadre

LEADER_CYCLE_YEARS = 2
YOUNG_CADRE_CYCLE_YEARS = 5


@dataclass
class Suggestion:
    cadre: Cadre
    gap: float  # 0 (requirement met) .. 1 (nothing done)
    priority: int  # lower first
    reasons: list[str] = field(default_factory=list)


def unavailable(training_class):
    """Dispatches that rule a cadre out: any live one to this class (a cadre is
    dispatched to a class once), or one in a class whose dates overlap it."""
    return Dispatch.objects.filter(
        (Q(training_class=training_class) & ~Q(status=DispatchStatus.CANCELLED))
        | Q(
            status__in=BUSY_DISPATCH_STATUSES,
            training_class__start_date__lte=training_class.end_date,
            training_class__end_date__gte=training_class.start_date,
        )
    )


def _systematic(as_of: dt.date):
    """Attended main or thematic classes that ended by `as_of`, of the outer cadre."""
    return Dispatch.objects.filter(
        cadre=OuterRef("pk"),
        status=DispatchStatus.ATTENDED,
        training_class__kind__in=[ClassKind.MAIN, ClassKind.THEMATIC],
        training_class__end_date__lte=as_of,
    )


def last_systematic_training(as_of: dt.date) -> Subquery:
    """The end of the cadre's last attended main or thematic class, up to `as_of`."""
    return Subquery(
        _systematic(as_of)
        .order_by()
        .values("cadre")
        .annotate(last=Max("training_class__end_date"))
        .values("last"),
        output_field=DateField(),
    )


def _ranked(pool, profile: compliance.Profile, as_of: dt.date, limit: int) -> list[dict]:
    """The first `limit` of the profile's cadres in `pool`, ranked in SQL: their priority,
    shortfall and concentrated-training figures (from the running totals), as dicts."""
    leader_due = as_of - relativedelta(years=LEADER_CYCLE_YEARS)
    young_due = as_of - relativedelta(years=YOUNG_CADRE_CYCLE_YEARS)
    # Short-circuited: the lookups run only for leadership-team members and young cadres.
    priority = Case(
        When(
            Q(is_leadership_member=True)
            & ~Exists(_systematic(as_of).filter(training_class__end_date__gte=leader_due)),
            then=Value(1),
        ),
        When(
            Q(is_young_cadre=True)
            & ~Exists(_systematic(as_of).filter(training_class__end_date__gte=young_due)),
            then=Value(2),
        ),
        default=Value(3),
        output_field=IntegerField(),
    )
    base = pool.annotate(priority=priority, unit_path=F("unit__path"))
    query = compliance.profile_query(
        base, profile, as_of, columns=("id", "name", "unit_path", "priority")
    )
    if query is None:
        return []
    concentrated = next(
        ((prefix, rule) for prefix, rule in query.rules if rule.kind == "concentrated"), None
    )
    gap, extra = "0.0", ""
    if concentrated:
        progress = f"p.{concentrated[0]}_progress"
        gap = f"CASE WHEN {progress} >= 1.0 THEN 0.0 ELSE 1.0 - {progress} END"
        extra = f", p.{concentrated[0]}_hours, p.{concentrated[0]}_status"
    sql = (
        f"SELECT p.id, p.unit_path, p.name, p.priority, {gap} AS gap{extra} "
        f"FROM ({query.sql}) p ORDER BY p.priority, gap DESC, p.unit_path, p.name, p.id "
        "LIMIT %s"
    )
    with connections[pool.db].cursor() as cursor:
        cursor.execute(sql, [*query.params, limit])
        fetched = cursor.fetchall()
    rows = []
    for pk, path, name, rank, shortfall, *figures in fetched:
        row = {
            "pk": pk,
            "key": (rank, -float(shortfall), path, name),
            "priority": rank,
            "gap": float(shortfall),
            "concentrated": None,
        }
        if concentrated:
            row["concentrated"] = (figures[0], concentrated[1].min_hours, figures[1])
        rows.append(row)
    return rows


def _has_reasons(row) -> bool:
    return row["priority"] < 3 or (
        row["concentrated"] is not None and row["concentrated"][2] != compliance.MET
    )


def _reasons(cadre, row, as_of: dt.date) -> list[str]:
    reasons = []
    last = cadre.last_systematic
    if cadre.is_leadership_member and row["priority"] == 1:
        reasons.append(
            _("leadership-team member without systematic training since %(date)s")
            % {"date": last.isoformat() if last else _("the start of the records")}
        )
    if cadre.is_young_cadre and (
        last is None or last < as_of - relativedelta(years=YOUNG_CADRE_CYCLE_YEARS)
    ):
        reasons.append(_("outstanding young cadre not rotated through training in 5 years"))
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
    then one query for the chosen cadres, their units and last systematic training."""
    as_of = as_of or training_class.start_date
    pool = org_selectors.cadres_in_reach(user, "issue_dispatch").exclude(
        pk__in=unavailable(training_class).values("cadre_id")
    )
    rows = []
    for profile in compliance.profiles(as_of):
        rows.extend(_ranked(pool, profile, as_of, limit))
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
            reasons=_reasons(cadres[row["pk"]], row, as_of),
        )
        for row in rows
    ]


__all__ = ["Suggestion", "suggest", "unavailable"]
