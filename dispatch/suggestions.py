"""Candidate suggestions for a roll call: who most needs this class.

Cadres in the dispatcher's jurisdiction are ranked by

1. leadership-team members overdue for systematic training (the plan: at least once
   every 2–3 years; we flag after 2 years without an attended main or thematic class);
2. outstanding young cadres with no attended class in 5 years (rotation within 5 years);
3. then the shortfall against their concentrated-training requirement, largest first,

excluding anyone already dispatched to this class or to one whose dates overlap it.
Each suggestion carries its reasons in words.
"""

import datetime as dt
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import Max
from django.utils.translation import gettext as _

from . import compliance, selectors
from .models import Cadre, ClassKind, Dispatch, DispatchStatus
from .services.rollcall import clashes

LEADER_CYCLE_YEARS = 2
YOUNG_CADRE_CYCLE_YEARS = 5


@dataclass
class Suggestion:
    cadre: Cadre
    gap: float  # 0 (requirement met) .. 1 (nothing done)
    priority: int  # lower first
    reasons: list[str] = field(default_factory=list)


def suggest(
    user, training_class, *, as_of: dt.date | None = None, limit: int = 50
) -> list[Suggestion]:
    as_of = as_of or dt.date.today()
    pool = selectors.cadres_in_reach(user, "issue_dispatch")
    busy = clashes(pool, training_class).values("cadre_id")
    pool = pool.exclude(pk__in=busy).select_related("unit")
    cadres = {c.pk: c for c in pool}
    if not cadres:
        return []
    last_class = dict(
        Dispatch.objects.filter(
            cadre_id__in=cadres,
            status=DispatchStatus.ATTENDED,
            training_class__kind__in=[ClassKind.MAIN, ClassKind.THEMATIC],
        )
        .values_list("cadre_id")
        .annotate(last=Max("training_class__end_date"))
    )
    suggestions = []
    for row in compliance.evaluate(Cadre.objects.filter(pk__in=cadres), as_of):
        cadre = cadres[row["cadre_id"]]
        concentrated = next((r for r in row["rules"] if r["kind"] == "concentrated"), None)
        gap = 1.0 - min(concentrated["progress"], 1.0) if concentrated else 0.0
        reasons, priority = [], 3
        last = last_class.get(cadre.pk)
        if cadre.is_leadership_member and (
            last is None or last < as_of - relativedelta(years=LEADER_CYCLE_YEARS)
        ):
            priority = 1
            reasons.append(
                _("leadership-team member without systematic training since %(date)s")
                % {"date": last.isoformat() if last else _("the start of the records")}
            )
        if cadre.is_young_cadre and (
            last is None or last < as_of - relativedelta(years=YOUNG_CADRE_CYCLE_YEARS)
        ):
            priority = min(priority, 2)
            reasons.append(_("outstanding young cadre not rotated through training in 5 years"))
        if concentrated and concentrated["status"] != compliance.MET:
            reasons.append(
                _("concentrated training %(done).0f of %(required).0f hours (%(status)s)")
                % {
                    "done": concentrated["hours"],
                    "required": concentrated["required_hours"],
                    "status": {
                        compliance.ON_TRACK: _("on track"),
                        compliance.AT_RISK: _("at risk"),
                        compliance.SHORT: _("short"),
                    }[concentrated["status"]],
                }
            )
        if not reasons:
            continue
        suggestions.append(Suggestion(cadre=cadre, gap=gap, priority=priority, reasons=reasons))
    suggestions.sort(key=lambda s: (s.priority, -s.gap, s.cadre.unit.path, s.cadre.name))
    return suggestions[:limit]


__all__ = ["Suggestion", "suggest"]
