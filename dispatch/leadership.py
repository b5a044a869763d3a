"""Leadership-team members and outstanding young cadres against their training cycles
(`ledger.models.CadreCycleRule`, data with versions):

* a leadership-team member has had a systematic training (an attended main or thematic
  class, or an accepted filing of one elsewhere, `Filing.systematic`, ended by the day
  evaluated) within the last N years (default 3), and at least
  the rule's days (default 60, ≈ 2 months) of concentrated training in its years (5);
* an outstanding young cadre is rotated through a systematic training within N years
  (5) of being flagged (`Cadre.young_cadre_since`): a class ended between the day
  flagged and the deadline; one ended only after the deadline is a late rotation
  (逾期后完成), neither met nor on time. Where the day flagged is not recorded, within
  the last N years.

Set-based: a fixed number of queries however many cadres (`cycle_rows`). Used by the
candidate suggestions, the training record, (`leadership_compliance`) the circular and
(`cycle_report`) the page of the cycles, /compliance/cycles/."""

import datetime as dt
import math
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import (
    DateField,
    Exists,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, NullIf
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import format_date
from dispatch.models import ClassKind, Dispatch, DispatchStatus, Filing, FilingStatus
from ledger import cycles
from ledger.models import CycleRuleKind

SYSTEMATIC_KINDS = (ClassKind.MAIN, ClassKind.THEMATIC)


def systematic(as_of: dt.date) -> QuerySet:
    """Attended main or thematic classes that ended by `as_of`, of the outer cadre."""
    return Dispatch.objects.filter(
        cadre=OuterRef("pk"),
        status=DispatchStatus.ATTENDED,
        training_class__kind__in=SYSTEMATIC_KINDS,
        training_class__end_date__lte=as_of,
    )


def filed_systematic(as_of: dt.date) -> QuerySet:
    """Accepted filings of a systematic training elsewhere (`Filing.systematic`) that
    ended by `as_of`, naming the outer cadre among their participants."""
    return Filing.objects.filter(
        participants=OuterRef("pk"),
        status=FilingStatus.ACCEPTED,
        systematic=True,
        end_date__lte=as_of,
    )


def systematic_since(as_of: dt.date, since) -> Q:
    """The outer cadre had a systematic training (a class here, or a filing) that ended
    between `since` (a day, or an expression of the outer cadre) and `as_of`."""
    return Exists(systematic(as_of).filter(training_class__end_date__gte=since)) | Exists(
        filed_systematic(as_of).filter(end_date__gte=since)
    )


#: the days no training ends on, standing for "none" where SQL compares two dates
#: (GREATEST and LEAST are NULL on SQLite as soon as one of them is)
_NEVER_BEFORE, _NEVER_AFTER = dt.date(1, 1, 1), dt.date(9999, 12, 31)


def _ends(classes: QuerySet, filings: QuerySet, pick, never: dt.date):
    """`pick` (Max or Min) of the ends of the outer cadre's systematic trainings, from
    the classes here and the filings alike; NULL when there is none."""

    def one(queryset, cadre, end):
        value = Subquery(
            queryset.order_by().values(cadre).annotate(found=pick(end)).values("found"),
            output_field=DateField(),
        )
        return Coalesce(value, Value(never), output_field=DateField())

    return NullIf(
        (Greatest if pick is Max else Least)(
            one(classes, "cadre", "training_class__end_date"),
            one(filings, "participants", "end_date"),
        ),
        Value(never),
        output_field=DateField(),
    )


def last_systematic_training(as_of: dt.date):
    """The end of the cadre's last systematic training up to `as_of`: an attended main or
    thematic class, or an accepted systematic filing."""
    return _ends(systematic(as_of), filed_systematic(as_of), Max, _NEVER_BEFORE)


def first_systematic_training_since(as_of: dt.date, since):
    """The end of the cadre's first systematic training (a class or an accepted filing)
    ended on or after `since` (a day, or an expression of the outer cadre), up to
    `as_of`."""
    return _ends(
        systematic(as_of).filter(training_class__end_date__gte=since),
        filed_systematic(as_of).filter(end_date__gte=since),
        Min,
        _NEVER_AFTER,
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
    """One cycle rule measured for one cadre, in words for the training record: `met`
    as the page of the cycles counts it (`CycleStatus`); `on_time` False only when the
    cycle has passed unmet (a young cadre not yet rotated but within the cycle is
    neither met nor late)."""

    label: str
    met: bool
    detail: str
    rule_version: int
    on_time: bool


@dataclass(frozen=True)
class LeaderRow:
    """A leadership-team member against both leadership rules: the last systematic
    training and the concentrated days in the window (0.0 when none)."""

    cadre_id: int
    last_systematic: dt.date | None
    systematic_met: bool
    days: float
    days_met: bool

    @property
    def met(self) -> bool:
        return self.systematic_met and self.days_met


@dataclass(frozen=True)
class YoungRow:
    """An outstanding young cadre against the rotation rule. `rotated`: through a class
    ended between the day flagged and the deadline (`rotated_on`, the first such end);
    `late`: only through one ended after the deadline (`rotated_on` then its end), which
    is neither met nor on time; `overdue`: neither, and the deadline has passed. Not
    rotated yet but still within the cycle is on time (`overdue` False), not met."""

    cadre_id: int
    flagged: dt.date | None
    last_systematic: dt.date | None
    rotated: bool
    deadline: dt.date | None
    overdue: bool
    late: bool = False
    rotated_on: dt.date | None = None


@dataclass(frozen=True)
class CycleRows:
    """The rules in force on `as_of` and, of the cadres measured, one row per
    leadership-team member and one per outstanding young cadre."""

    as_of: dt.date
    rules: cycles.CycleRules
    leaders: list[LeaderRow]
    young: list[YoungRow]


def days_counted(days: float) -> float:
    """A sum of days as the rule compares it: rid of the float noise of adding tenths
    (0.3 + 32.3 + 27.4 is 59.99999999999999, which is 60 days)."""
    return round(days, 6)


def days_shown(days: float) -> str:
    """Days as the pages print them: cut, not rounded, to one decimal, so a figure short
    of the rule never reads as the rule's own (59.875 is 59.8, never 59.9 or 60)."""
    return f"{math.floor(round(days_counted(days) * 10, 6)) / 10:g}"


def _leader_rows(cadres: QuerySet, rules, as_of: dt.date) -> list[LeaderRow]:
    members = cadres.filter(is_leadership_member=True)
    values = list(
        members.order_by()
        .annotate(last_systematic=last_systematic_training(as_of))
        .values_list("id", "last_systematic")
    )
    days = (
        cycles.concentrated_days(members, rules.concentrated, as_of)
        if (rules.concentrated and values)
        else {}
    )
    due = systematic_due(rules, as_of)
    minimum = float(rules.concentrated.min_days or 0) if rules.concentrated else 0.0
    rows = []
    for pk, last in values:
        done = days_counted(days.get(pk, 0.0))
        rows.append(
            LeaderRow(
                cadre_id=pk,
                last_systematic=last,
                systematic_met=due is None or (last is not None and last >= due),
                days=done,
                days_met=rules.concentrated is None or done >= minimum,
            )
        )
    return rows


def _young_rows(cadres: QuerySet, rules, as_of: dt.date) -> list[YoungRow]:
    fallback = young_fallback(rules, as_of)
    young = cadres.filter(is_young_cadre=True).order_by()
    if fallback is None:
        # No rotation rule in force: every young cadre counts as rotated.
        young = young.annotate(first=Value(None, output_field=DateField()))
    else:
        # The first class since the day flagged (not recorded: the rule's last years)
        # tells whether the cadre was rotated before the deadline; a later class would
        # hide a late rotation behind an earlier one that was on time, or the reverse.
        since = Coalesce(OuterRef("young_cadre_since"), Value(fallback), output_field=DateField())
        young = young.annotate(first=first_systematic_training_since(as_of, since))
    values = young.annotate(last_systematic=last_systematic_training(as_of)).values_list(
        "id", "young_cadre_since", "last_systematic", "first"
    )
    rows = []
    for pk, flagged, last, first in values:
        deadline = young_deadline(rules, flagged)
        trained = first is not None
        late = trained and deadline is not None and first > deadline
        rotated = rules.young is None or (trained and not late)
        rows.append(
            YoungRow(
                cadre_id=pk,
                flagged=flagged,
                last_systematic=last,
                rotated=rotated,
                deadline=deadline,
                overdue=not rotated and not late and (deadline is None or deadline < as_of),
                late=late,
                rotated_on=first,
            )
        )
    return rows


def cycle_rows(
    cadres: QuerySet,
    as_of: dt.date,
    *,
    rules: cycles.CycleRules | None = None,
    leaders: bool = True,
    young: bool = True,
) -> CycleRows:
    """The leadership-team members and outstanding young cadres among `cadres`, each
    measured against the cycle rules in force on `as_of` (`leaders`/`young` False: that
    group left out, and its queries not run). A fixed number of queries (at most four)
    however many cadres."""
    rules = rules or cycles.cycle_rules(as_of)
    return CycleRows(
        as_of=as_of,
        rules=rules,
        leaders=_leader_rows(cadres, rules, as_of) if leaders else [],
        young=_young_rows(cadres, rules, as_of) if young else [],
    )


def rule_label(rule) -> str:
    """A cycle rule in words, with its figures ("每3年至少参加1次系统培训")."""
    if rule.kind == CycleRuleKind.LEADER_SYSTEMATIC:
        return _("Systematic training at least once every %(years)s years") % {"years": rule.years}
    if rule.kind == CycleRuleKind.LEADER_CONCENTRATED:
        return _("At least %(days)s days of concentrated training in %(years)s years") % {
            "days": f"{rule.min_days.normalize():f}",
            "years": rule.years,
        }
    return _("Rotated through training within %(years)s years of being flagged") % {
        "years": rule.years
    }


def leadership_compliance(cadres: QuerySet, as_of: dt.date) -> dict:
    """For the circular: of the leadership-team members among `cadres`, how many meet
    their cycle (both rules) and the rate; of the outstanding young cadres, how many are
    rotated on time (within the cycle), how many only after the deadline (`young_late`),
    how many overdue. Rates are None when there is nobody to count. A handful of
    queries."""
    measured = cycle_rows(cadres, as_of)
    leaders, young, rules = measured.leaders, measured.young, measured.rules
    met = sum(1 for row in leaders if row.met)
    rotated = sum(1 for row in young if row.rotated)
    return {
        "as_of": as_of,
        "leaders": len(leaders),
        "leaders_met": met,
        "leaders_systematic_overdue": sum(1 for row in leaders if not row.systematic_met),
        "leaders_days_short": sum(1 for row in leaders if not row.days_met),
        "leader_rate": round(met / len(leaders), 4) if leaders else None,
        "young": len(young),
        "young_rotated": rotated,
        "young_overdue": sum(1 for row in young if row.overdue),
        "young_late": sum(1 for row in young if row.late),
        "young_rate": round(rotated / len(young), 4) if young else None,
        "rule_versions": {rule.kind: rule.version for rule in in_force(rules)},
    }


def in_force(rules: cycles.CycleRules) -> list:
    """The rules of `rules` that are in force, in the order the pages name them."""
    return [r for r in (rules.systematic, rules.concentrated, rules.young) if r is not None]


def cadre_cycles(cadre, as_of: dt.date) -> list[CycleCheck]:
    """The cycle rules that apply to `cadre` (a leadership-team member, an outstanding
    young cadre, or neither: empty), each met or not with the figures in words."""
    if not (cadre.is_leadership_member or cadre.is_young_cadre):
        return []
    from org.models import Cadre

    measured = cycle_rows(
        Cadre.objects.filter(pk=cadre.pk),
        as_of,
        leaders=cadre.is_leadership_member,
        young=cadre.is_young_cadre,
    )
    rules = measured.rules
    checks = []
    for row in measured.leaders:
        last = row.last_systematic
        if rules.systematic is not None:
            checks.append(
                CycleCheck(
                    label=rule_label(rules.systematic),
                    met=row.systematic_met,
                    on_time=row.systematic_met,
                    detail=_("last ended %(date)s") % {"date": format_date(last)}
                    if last
                    else _("none on record"),
                    rule_version=rules.systematic.version,
                )
            )
        if rules.concentrated is not None:
            checks.append(
                CycleCheck(
                    label=rule_label(rules.concentrated),
                    met=row.days_met,
                    on_time=row.days_met,
                    detail=_("%(days)s days") % {"days": days_shown(row.days)},
                    rule_version=rules.concentrated.version,
                )
            )
    for row in measured.young if rules.young is not None else []:
        if row.rotated:
            shown = row.rotated_on or row.last_systematic
            detail = _("rotated: class ended %(date)s") % {"date": format_date(shown)}
        elif row.late:
            detail = _("rotated after the deadline: class ended %(date)s, due by %(due)s") % {
                "date": format_date(row.rotated_on),
                "due": format_date(row.deadline),
            }
        elif row.deadline and not row.overdue:
            detail = _("not yet rotated, still within the cycle: due by %(date)s") % {
                "date": format_date(row.deadline)
            }
        else:
            detail = _("overdue")
        checks.append(
            CycleCheck(
                label=rule_label(rules.young),
                # the page of the cycles' verdict (`CycleStatus`): not rotated yet is not
                # met, even on time (`on_time`); rotated after the deadline is neither
                met=row.rotated,
                detail=detail,
                rule_version=rules.young.version,
                on_time=not (row.overdue or row.late),
            )
        )
    return checks


# -- the page of the cycles (dispatch.leadership_views) and its download ---------------------


class CycleStatus(models.TextChoices):
    """Where a cadre stands against the cycles that apply to them. A cadre may stand in
    several (a member overdue and short of days); `met` only when in none of the others.
    A young cadre not yet rotated but within the cycle is on time, yet not met; one
    rotated only after the deadline (逾期后完成) is neither."""

    MET = "met", gettext_lazy("met")
    SYSTEMATIC_OVERDUE = "systematic_overdue", gettext_lazy("systematic training overdue")
    DAYS_SHORT = "days_short", gettext_lazy("concentrated days short")
    YOUNG_PENDING = "young_pending", gettext_lazy("not yet rotated (within the cycle)")
    YOUNG_OVERDUE = "young_overdue", gettext_lazy("rotation overdue")
    YOUNG_LATE = "young_late", gettext_lazy("rotated after the deadline")


#: the page's groups: which of the two kinds of cadres (and rules) it measures
GROUPS = ("leaders", "young")
#: the page's status filter
MET, UNMET = "met", "unmet"


@dataclass(frozen=True)
class CadreCycleRow:
    """One cadre of the page: a leadership-team member (`leader`), an outstanding young
    cadre (`young`), or both, measured as `cycle_rows` measures them."""

    cadre_id: int
    name: str
    unit_name: str
    leader: LeaderRow | None
    young: YoungRow | None
    min_days: float | None

    @property
    def statuses(self) -> tuple[str, ...]:
        found = []
        if self.leader is not None and not self.leader.systematic_met:
            found.append(CycleStatus.SYSTEMATIC_OVERDUE)
        if self.leader is not None and not self.leader.days_met:
            found.append(CycleStatus.DAYS_SHORT)
        if self.young is not None and self.young.overdue:
            found.append(CycleStatus.YOUNG_OVERDUE)
        elif self.young is not None and self.young.late:
            found.append(CycleStatus.YOUNG_LATE)
        elif self.young is not None and not self.young.rotated:
            found.append(CycleStatus.YOUNG_PENDING)
        return tuple(found) or (CycleStatus.MET,)

    @property
    def met(self) -> bool:
        return self.statuses == (CycleStatus.MET,)

    @property
    def status_labels(self) -> list[str]:
        return [str(CycleStatus(status).label) for status in self.statuses]

    @property
    def groups(self) -> list[str]:
        """The cadre's kinds, in words: whose rules apply to them."""
        found = [_("Leadership-team member")] if self.leader is not None else []
        return found + ([_("Outstanding young cadre")] if self.young is not None else [])

    @property
    def last_systematic(self) -> dt.date | None:
        return (self.leader or self.young).last_systematic


@dataclass(frozen=True)
class CycleReport:
    """The page: the rules in force on `as_of`, the rows (filtered by status) and the
    count of each status (and of `unmet`) among the rows of the group, any status."""

    as_of: dt.date
    rules: cycles.CycleRules
    rows: list[CadreCycleRow]
    counts: dict[str, int]

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status, its label, how many) for each status, in the order of `CycleStatus`."""
        return [(value, str(label), self.counts[value]) for value, label in CycleStatus.choices]

    @property
    def rules_in_force(self) -> list[tuple[str, int]]:
        """Each rule in force, in words, with its version."""
        return [(rule_label(rule), rule.version) for rule in in_force(self.rules)]


def cycle_report(
    cadres: QuerySet, as_of: dt.date, *, group: str | None = None, status: str | None = None
) -> CycleReport:
    """The leadership-team members (`group` "leaders"), the outstanding young cadres
    ("young") or both (None) among `cadres`, in the order of the unit tree and by name,
    each with the cycles of their group measured on `as_of`; `status` "met" or "unmet"
    keeps those rows. Five queries however many cadres."""
    leaders, young = group != "young", group != "leaders"
    measured = cycle_rows(cadres, as_of, leaders=leaders, young=young)
    by_leader = {row.cadre_id: row for row in measured.leaders}
    by_young = {row.cadre_id: row for row in measured.young}
    concentrated = measured.rules.concentrated
    min_days = float(concentrated.min_days or 0) if concentrated else None
    kinds = Q(is_leadership_member=True) if leaders else Q(is_young_cadre=True)
    if leaders and young:
        kinds |= Q(is_young_cadre=True)
    listed = (
        cadres.filter(kinds)
        .order_by("unit__path", "name", "pk")
        .values_list("pk", "name", "unit__name")
    )
    rows = [
        CadreCycleRow(
            cadre_id=pk,
            name=name,
            unit_name=unit_name,
            leader=by_leader.get(pk),
            young=by_young.get(pk),
            min_days=min_days if pk in by_leader else None,
        )
        for pk, name, unit_name in listed
        # Flagged in the moment between the queries: measured next time.
        if pk in by_leader or pk in by_young
    ]
    counts = dict.fromkeys([*CycleStatus.values, UNMET], 0)
    for row in rows:
        for found in row.statuses:
            counts[found] += 1
        counts[UNMET] += not row.met
    if status in (MET, UNMET):
        rows = [row for row in rows if row.met == (status == MET)]
    return CycleReport(as_of=as_of, rules=measured.rules, rows=rows, counts=counts)
