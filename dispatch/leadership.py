"""Leadership-team members and outstanding young cadres against their training cycles
(`ledger.models.CadreCycleRule`, data with versions):

* a leadership-team member has had a systematic training (an attended main or thematic
  class, ended by the day evaluated) within the last N years (default 3), and at least
  the rule's days (default 60, ≈ 2 months) of concentrated training in its years (5);
* an outstanding young cadre is rotated through a systematic training within N years
  (5) of being flagged (`Cadre.young_cadre_since`); where that day is not recorded,
  within the last N years.

Set-based: a fixed number of queries however many cadres. Used by the candidate
suggestions, the training record and (`leadership_compliance`) the circular."""

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import DateField, Max, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from core.formatting import format_date
from dispatch.models import ClassKind, Dispatch, DispatchStatus
from ledger import cycles

SYSTEMATIC_KINDS = (ClassKind.MAIN, ClassKind.THEMATIC)


def systematic(as_of: dt.date) -> QuerySet:
    """Attended main or thematic classes that ended by `as_of`, of the outer cadre."""
    return Dispatch.objects.filter(
        cadre=OuterRef("pk"),
        status=DispatchStatus.ATTENDED,
        training_class__kind__in=SYSTEMATIC_KINDS,
        training_class__end_date__lte=as_of,
    )


def last_systematic_training(as_of: dt.date) -> Subquery:
    """The end of the cadre's last attended main or thematic class, up to `as_of`."""
    return Subquery(
        systematic(as_of)
        .order_by()
        .values("cadre")
        .annotate(last=Max("training_class__end_date"))
        .values("last"),
        output_field=DateField(),
    )


def systematic_due(rules: cycles.CycleRules, as_of: dt.date) -> dt.date | None:
    """A leadership-team member whose last systematic training ended before this day
    is overdue (None: no such rule in force)."""
    if rules.systematic is None:
        return None
    return as_of - relativedelta(years=rules.systematic.years)


def young_fallback(rules: cycles.CycleRules, as_of: dt.date) -> dt.date | None:
    """For a young cadre whose flag day is not recorded: trained since this day."""
    if rules.young is None:
        return None
    return as_of - relativedelta(years=rules.young.years)


def young_deadline(rules: cycles.CycleRules, flagged: dt.date | None) -> dt.date | None:
    if rules.young is None or flagged is None:
        return None
    return flagged + relativedelta(years=rules.young.years)


@dataclass(frozen=True)
class CycleCheck:
    """One cycle rule measured for one cadre, in words for the training record."""

    label: str
    met: bool
    detail: str
    rule_version: int


def _leader_rows(cadres: QuerySet, rules, as_of: dt.date) -> list[dict]:
    members = cadres.filter(is_leadership_member=True)
    rows = list(
        members.order_by()
        .annotate(last_systematic=last_systematic_training(as_of))
        .values("id", "last_systematic")
    )
    days = (
        cycles.concentrated_days(members, rules.concentrated, as_of)
        if (rules.concentrated and rows)
        else {}
    )
    due = systematic_due(rules, as_of)
    for row in rows:
        last = row["last_systematic"]
        row["systematic_met"] = due is None or (last is not None and last >= due)
        row["days"] = days.get(row["id"], 0.0)
        row["days_met"] = rules.concentrated is None or row["days"] >= float(
            rules.concentrated.min_days or 0
        )
        row["met"] = row["systematic_met"] and row["days_met"]
    return rows


def _young_rows(cadres: QuerySet, rules, as_of: dt.date) -> list[dict]:
    rows = list(
        cadres.filter(is_young_cadre=True)
        .order_by()
        .annotate(last_systematic=last_systematic_training(as_of))
        .values("id", "young_cadre_since", "last_systematic")
    )
    fallback = young_fallback(rules, as_of)
    for row in rows:
        last, flagged = row["last_systematic"], row["young_cadre_since"]
        start = flagged or fallback
        row["rotated"] = rules.young is None or (last is not None and last >= start)
        deadline = young_deadline(rules, flagged)
        row["deadline"] = deadline
        # Not rotated yet but still within the cycle from the flag day: on time.
        row["overdue"] = not row["rotated"] and (deadline is None or deadline < as_of)
    return rows


def leadership_compliance(cadres: QuerySet, as_of: dt.date) -> dict:
    """For the circular: of the leadership-team members among `cadres`, how many meet
    their cycle (both rules) and the rate; of the outstanding young cadres, how many are
    rotated, how many overdue. Rates are None when there is nobody to count. A handful
    of queries."""
    rules = cycles.cycle_rules(as_of)
    leaders = _leader_rows(cadres, rules, as_of)
    young = _young_rows(cadres, rules, as_of)
    met = sum(1 for row in leaders if row["met"])
    rotated = sum(1 for row in young if row["rotated"])
    return {
        "as_of": as_of,
        "leaders": len(leaders),
        "leaders_met": met,
        "leaders_systematic_overdue": sum(1 for row in leaders if not row["systematic_met"]),
        "leaders_days_short": sum(1 for row in leaders if not row["days_met"]),
        "leader_rate": round(met / len(leaders), 4) if leaders else None,
        "young": len(young),
        "young_rotated": rotated,
        "young_overdue": sum(1 for row in young if row["overdue"]),
        "young_rate": round(rotated / len(young), 4) if young else None,
        "rule_versions": {
            rule.kind: rule.version
            for rule in (rules.systematic, rules.concentrated, rules.young)
            if rule is not None
        },
    }


def leadership_compliance_for(user, as_of: dt.date) -> dict:
    """`leadership_compliance` of the cadres in `user`'s reach."""
    from org.selectors import cadres_in_reach

    return leadership_compliance(cadres_in_reach(user), as_of)


def cadre_cycles(cadre, as_of: dt.date) -> list[CycleCheck]:
    """The cycle rules that apply to `cadre` (a leadership-team member, an outstanding
    young cadre, or neither: empty), each met or not with the figures in words."""
    if not (cadre.is_leadership_member or cadre.is_young_cadre):
        return []
    from org.models import Cadre

    rules = cycles.cycle_rules(as_of)
    one = Cadre.objects.filter(pk=cadre.pk)
    checks = []
    if cadre.is_leadership_member:
        row = _leader_rows(one, rules, as_of)[0]
        last = row["last_systematic"]
        if rules.systematic is not None:
            checks.append(
                CycleCheck(
                    label=_("Systematic training at least once every %(years)s years")
                    % {"years": rules.systematic.years},
                    met=row["systematic_met"],
                    detail=_("last ended %(date)s") % {"date": format_date(last)}
                    if last
                    else _("none on record"),
                    rule_version=rules.systematic.version,
                )
            )
        if rules.concentrated is not None:
            checks.append(
                CycleCheck(
                    label=_("At least %(days)s days of concentrated training in %(years)s years")
                    % {
                        "days": f"{rules.concentrated.min_days.normalize():f}",
                        "years": rules.concentrated.years,
                    },
                    met=row["days_met"],
                    detail=_("%(days).1f days") % {"days": row["days"]},
                    rule_version=rules.concentrated.version,
                )
            )
    if cadre.is_young_cadre and rules.young is not None:
        row = _young_rows(one, rules, as_of)[0]
        if row["rotated"]:
            detail = _("rotated: class ended %(date)s") % {
                "date": format_date(row["last_systematic"])
            }
        elif row["deadline"] and not row["overdue"]:
            detail = _("not yet rotated; due by %(date)s") % {"date": format_date(row["deadline"])}
        else:
            detail = _("overdue")
        checks.append(
            CycleCheck(
                label=_("Rotated through training within %(years)s years of being flagged")
                % {"years": rules.young.years},
                met=not row["overdue"],
                detail=detail,
                rule_version=rules.young.version,
            )
        )
    return checks
