"""Compliance with the quantitative indicators, computed set-based.

For a set of cadres and a day (`as_of`), each indicator rule in force for a cadre is
evaluated over its window with one aggregate query per set of cadre categories sharing
the same rules (per indicator group with the default rules) — never a query per cadre.
Of the rules of one kind in force for a cadre's group, the most specific applies: one
naming the cadre's category beats one for the whole group (no categories). A rule is:

* **met** when the hours reach the minimum, or the days reach the alternative minimum
  (records that do not count days are converted at the rule's hours per day);
* **on track** when progress (the larger of hours/minimum and days/minimum days) is at
  least the elapsed share of the window;
* **at risk** when it lags the elapsed share by less than a quarter;
* **short** otherwise.

A rolling five-year window (the plan's "每5年…不少于3个月或550学时") counts the hours of
the five years that end on the day evaluated, so it has no share of its own that has
gone by. Its pace is set by the plan's five-year cycle instead: the plan period
(`XUNDIAO_PLAN_PERIOD`, 2023–2027) and the five-year periods before and after it — the
plan itself is checked at mid-term and at five years (八、组织领导: 中期和5年总结评估). So
such a rule is

* **on track** when progress is at least the elapsed share of the current cycle;
* **at risk** when it is below that pace while the cycle runs (there is still time);
* **short** when the cycle's last day comes and the requirement is not met.

A cadre's overall status is the worst of their rules'.
"""

import datetime as dt
from dataclasses import dataclass, replace

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, FloatField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest

from ledger.models import IndicatorRule, RuleWindow
from org.models import CATEGORY_GROUP, Cadre

MET, ON_TRACK, AT_RISK, SHORT = "met", "on_track", "at_risk", "short"
ORDER = [SHORT, AT_RISK, ON_TRACK, MET]  # worst first
AT_RISK_MARGIN = 0.25
RULE_FIELDS = ("hours", "days", "progress", "status")


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # last day counted (as_of, or the window's end if earlier)
    elapsed: float  # share of the window (or of the rolling window's cycle) gone by, 0..1
    # Progress from which a rule not on track is at risk rather than short; None: never
    # at risk (a rolling window on its cycle's last day).
    at_risk_from: float | None = None


def plan_period() -> tuple[dt.date, dt.date]:
    return settings.XUNDIAO_PLAN_PERIOD


ROLLING_YEARS = 5


def cycle_for(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The plan's five-year cycle that holds `as_of`: the plan period, or one of the
    five-year periods before or after it (anchored on the plan period's first day)."""
    anchor = plan_period()[0]
    offset = (as_of.year - anchor.year) // ROLLING_YEARS
    start = anchor + relativedelta(years=ROLLING_YEARS * offset)
    if start > as_of:
        start -= relativedelta(years=ROLLING_YEARS)
    elif start + relativedelta(years=ROLLING_YEARS) <= as_of:
        start += relativedelta(years=ROLLING_YEARS)
    return start, start + relativedelta(years=ROLLING_YEARS) - dt.timedelta(days=1)


def _share(start: dt.date, last: dt.date, as_of: dt.date) -> float:
    length = (last - start).days + 1
    return min(max(((as_of - start).days + 1) / length, 0.0), 1.0)


def window_for(rule: IndicatorRule, as_of: dt.date) -> Window:
    if rule.window == RuleWindow.ROLLING_5_YEARS:
        # The five years that end on as_of; the pace is that of the plan's cycle.
        start = as_of - relativedelta(years=ROLLING_YEARS) + dt.timedelta(days=1)
        cycle_start, cycle_end = cycle_for(as_of)
        elapsed = _share(cycle_start, cycle_end, as_of)
        return Window(start, as_of, elapsed, None if as_of >= cycle_end else 0.0)
    if rule.window == RuleWindow.CALENDAR_YEAR:
        start, last = dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
    else:
        start, last = plan_period()
    elapsed = _share(start, last, as_of)
    return Window(start, min(as_of, last), elapsed, elapsed - AT_RISK_MARGIN)


def rules_in_force(as_of: dt.date) -> dict[str, list[IndicatorRule]]:
    """Rules by indicator group, as in force on `as_of`."""
    rules: dict[str, list[IndicatorRule]] = {}
    in_force = IndicatorRule.objects.filter(effective_from__lte=as_of).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=as_of)
    )
    for rule in in_force.order_by("group", "kind", "id"):
        rules.setdefault(rule.group, []).append(rule)
    return rules


def _specificity(rule: IndicatorRule) -> tuple:
    """Smaller is more specific: a rule for fewer categories beats one for more (a rule
    naming no categories is for its whole group). Ties, which the overlap check refuses,
    go to the later rule."""
    return (len(rule.scope), -rule.effective_from.toordinal(), -rule.pk)


@dataclass(frozen=True)
class Profile:
    """Cadre categories evaluated by the same rules (one per kind of training)."""

    group: str
    categories: tuple[str, ...]
    rules: tuple[IndicatorRule, ...]


def profiles(as_of: dt.date) -> list[Profile]:
    """For every cadre category, the rule of each kind in force on `as_of` that applies
    to it — of those whose scope includes the category, the one for the fewest
    categories — with categories sharing the same rules put together."""
    found: dict[tuple, list[str]] = {}
    rules_of: dict[tuple, tuple[IndicatorRule, ...]] = {}
    for group, rules in rules_in_force(as_of).items():
        for category in [c for c, g in CATEGORY_GROUP.items() if g == group]:
            per_kind: dict[str, IndicatorRule] = {}
            for rule in rules:
                if category not in rule.scope:
                    continue
                current = per_kind.get(rule.kind)
                if current is None or _specificity(rule) < _specificity(current):
                    per_kind[rule.kind] = rule
            if not per_kind:
                continue
            chosen = tuple(per_kind[kind] for kind in sorted(per_kind))
            key = (group, tuple(rule.pk for rule in chosen))
            found.setdefault(key, []).append(str(category))
            rules_of[key] = chosen
    return [Profile(key[0], tuple(found[key]), rules_of[key]) for key in found]


def _rule_annotations(rule: IndicatorRule, window: Window, prefix: str) -> tuple[dict, dict]:
    in_window = Q(
        hours__kind=rule.kind,
        hours__status="recognized",
        hours__date__gte=window.start,
        hours__date__lte=window.end,
    )
    # Floats, not decimals: SQLite divides integers as integers.
    zero = Value(0.0)
    raw_hours = Cast("hours__hours", FloatField())
    raw_days = Coalesce(
        Cast("hours__days", FloatField()), raw_hours / Value(float(rule.hours_per_day))
    )
    first = {
        f"{prefix}_hours": Coalesce(Sum(raw_hours, filter=in_window), zero),
        f"{prefix}_days": Coalesce(Sum(raw_days, filter=in_window), zero),
    }
    h, d = F(f"{prefix}_hours"), F(f"{prefix}_days")
    progress = h / Value(float(rule.min_hours) or 1.0)
    met = Q(**{f"{prefix}_hours__gte": float(rule.min_hours)})
    if rule.alt_min_days:
        progress = Greatest(progress, d / Value(float(rule.alt_min_days)))
        met |= Q(**{f"{prefix}_days__gte": float(rule.alt_min_days)})
    whens = [
        When(met, then=Value(MET)),
        When(**{f"{prefix}_progress__gte": window.elapsed}, then=Value(ON_TRACK)),
    ]
    if window.at_risk_from is not None:
        whens.append(When(**{f"{prefix}_progress__gte": window.at_risk_from}, then=Value(AT_RISK)))
    second = {
        f"{prefix}_progress": progress,
        f"{prefix}_status": Case(*whens, default=Value(SHORT)),
    }
    return first, second


def _worst(status_fields: list[str]):
    whens = []
    for status in ORDER[:-1]:
        condition = Q()
        for field in status_fields:
            condition |= Q(**{field: status})
        whens.append(When(condition, then=Value(status)))
    return Case(*whens, default=Value(MET))


def annotate_profile(
    cadres: QuerySet, profile: Profile, as_of: dt.date, since: dt.date | None = None
):
    """`cadres` of the profile's categories, annotated in SQL with each rule's hours,
    days, progress and status (`r<id>_…`) and the overall status (`overall`).
    With `since`, hours before that day do not count. Returns the queryset and
    [(prefix, rule)]."""
    first, second, statuses, rule_meta = {}, {}, [], []
    for rule in profile.rules:
        prefix = f"r{rule.pk}"
        window = window_for(rule, as_of)
        if since and since > window.start:
            window = replace(window, start=since)
        a, b = _rule_annotations(rule, window, prefix)
        first.update(a)
        second.update(b)
        statuses.append(f"{prefix}_status")
        rule_meta.append((prefix, rule))
    queryset = (
        cadres.filter(category__in=profile.categories)
        .order_by()
        .annotate(**first)
        .annotate(**second)
        .annotate(overall=_worst(statuses))
    )
    return queryset, rule_meta


def evaluate(
    cadres: QuerySet,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    *,
    rule_sets: list[Profile] | None = None,
) -> list[dict]:
    """One row per cadre: id, name, unit_id, group, per-rule hours/days/status, overall.

    One aggregate query per set of categories sharing the same rules (one per indicator
    group with the default rules: two). With `since`, hours before that day do not
    count. `rule_sets`: `profiles(as_of)`, when the caller has them already."""
    as_of = as_of or dt.date.today()
    rows: list[dict] = []
    for profile in profiles(as_of) if rule_sets is None else rule_sets:
        queryset, rule_meta = annotate_profile(cadres, profile, as_of, since)
        fields = [f"{prefix}_{name}" for prefix, _ in rule_meta for name in RULE_FIELDS]
        for values in queryset.values("id", "name", "unit_id", "overall", *fields):
            rows.append(
                {
                    "cadre_id": values["id"],
                    "name": values["name"],
                    "unit_id": values["unit_id"],
                    "group": profile.group,
                    "status": values["overall"],
                    "rules": [
                        {
                            "rule_id": rule.pk,
                            "code": rule.code,
                            "label": rule_label(rule),
                            "version": rule.version,
                            "kind": rule.kind,
                            "categories": list(rule.categories),
                            "required_hours": rule.min_hours,
                            "hours": values[f"{prefix}_hours"],
                            "days": values[f"{prefix}_days"],
                            "progress": values[f"{prefix}_progress"],
                            "status": values[f"{prefix}_status"],
                        }
                        for prefix, rule in rule_meta
                    ],
                }
            )
    return rows


def rule_label(rule: IndicatorRule) -> str:
    """What a person reads for a rule: the kind of training and its window, e.g.
    集中培训（滚动五年）."""
    return f"{rule.get_kind_display()}（{rule.get_window_display()}）"


def for_cadre(cadre: Cadre, as_of: dt.date | None = None) -> dict | None:
    rows = evaluate(Cadre.objects.filter(pk=cadre.pk), as_of)
    return rows[0] if rows else None


def summary_by_unit(
    cadres: QuerySet, as_of: dt.date | None = None, since: dt.date | None = None
) -> dict[int, dict]:
    """Counts of each status and the compliance rate (met or on track) per unit.

    Counted in SQL: the per-cadre statuses of every set of categories (UNION ALL) are
    grouped by unit with conditional counts — one query, however many cadres."""
    as_of = as_of or dt.date.today()
    parts, params = [], []
    for n, profile in enumerate(profiles(as_of)):
        queryset, _ = annotate_profile(cadres, profile, as_of, since)
        try:
            sql, part_params = queryset.values("unit_id", "overall").query.sql_with_params()
        except EmptyResultSet:  # e.g. Cadre.objects.none()
            continue
        parts.append(f"SELECT p{n}.unit_id, p{n}.overall FROM ({sql}) p{n}")
        params.extend(part_params)
    if not parts:
        return {}
    counts = ", ".join(
        f"SUM(CASE WHEN s.overall = %s THEN 1 ELSE 0 END) AS {status}" for status in ORDER
    )
    query = (
        f"SELECT s.unit_id, COUNT(*) AS total, {counts} "
        f"FROM ({' UNION ALL '.join(parts)}) s GROUP BY s.unit_id"
    )
    with connections[cadres.db].cursor() as cursor:
        cursor.execute(query, [*ORDER, *params])
        fetched = cursor.fetchall()
    result: dict[int, dict] = {}
    for unit_id, total, *by_status in fetched:
        unit = {status: int(count or 0) for status, count in zip(ORDER, by_status, strict=True)}
        unit["total"] = total
        unit["rate"] = round((unit[MET] + unit[ON_TRACK]) / total, 4) if total else None
        result[unit_id] = unit
    return result


# The compliance report: every cadre in reach, worst first, a page at a time.

SEVERITY = {status: rank for rank, status in enumerate(ORDER)}  # short 0 … met 3


class ReportRows:
    """The rows of the compliance report for Django's `Paginator`, ordered and paged in
    SQL: the `UNION ALL` of one aggregate query per set of rules (each wrapped so that
    the severity of the overall status and the shortfall — the largest share of a
    rule's requirement not yet done, 0 when all are met — are computed once from its
    columns), `ORDER BY` severity (short first), shortfall (largest first), name, id,
    with `LIMIT`/`OFFSET`; `COUNT(*) OVER ()` brings the number of rows along. Only the
    page's cadres are then evaluated in full (`evaluate`, one query per set of rules).

    `count()` is the count the page query brought (see `prefetch`), or else a plain
    count of the cadres the rules apply to — or, when a status is asked for, the same
    aggregate counted."""

    def __init__(self, cadres: QuerySet, as_of: dt.date, since=None, status=None):
        self.cadres, self.as_of, self.since = cadres, as_of, since
        self.status = status if status in ORDER else None
        self.profiles = profiles(as_of)
        self._total: int | None = None
        self._pages: dict[tuple[int, int], list[dict]] = {}

    def _union(self) -> tuple[str, list] | None:
        connection = connections[self.cadres.db]
        quote = connection.ops.quote_name
        largest = "MAX" if connection.vendor == "sqlite" else "GREATEST"
        parts, params = [], []
        for n, profile in enumerate(self.profiles):
            queryset, rule_meta = annotate_profile(self.cadres, profile, self.as_of, self.since)
            progress = [f"{prefix}_progress" for prefix, _ in rule_meta]
            try:
                sql, part_params = queryset.values(
                    "id", "name", "overall", *progress
                ).query.sql_with_params()
            except EmptyResultSet:
                continue
            p = f"p{n}"
            gaps = ", ".join(f"1.0 - {p}.{quote(field)}" for field in progress)
            severity = " ".join(f"WHEN {p}.overall = %s THEN {rank}" for rank in SEVERITY.values())
            part = (
                f"SELECT {p}.id AS id, {p}.name AS name, CASE {severity} END AS severity, "
                f"{largest}({gaps}, 0.0) AS shortfall FROM ({sql}) {p}"
            )
            params.extend(SEVERITY)
            params.extend(part_params)
            if self.status:
                part += f" WHERE {p}.overall = %s"
                params.append(self.status)
            parts.append(part)
        if not parts:
            return None
        return " UNION ALL ".join(parts), params

    def _fetch(self, sql: str, params: list) -> list:
        with connections[self.cadres.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self) -> int:
        if self._total is not None:
            return self._total
        if not self.profiles:
            return 0
        if self.status is None:
            categories = [c for profile in self.profiles for c in profile.categories]
            return self.cadres.filter(category__in=categories).order_by().count()
        union = self._union()
        if union is None:
            return 0
        return self._fetch(f"SELECT COUNT(*) FROM ({union[0]}) s", union[1])[0][0]

    def prefetch(self, start: int, stop: int) -> None:
        """Read rows [start, stop) now, and with them the count: a page asked for by
        number costs one aggregate query, the count included."""
        self._pages[(start, stop)] = self._page(start, stop)

    def _page(self, start: int, stop: int) -> list[dict]:
        union = self._union() if stop > start else None
        if union is None:
            return []
        fetched = self._fetch(
            f"SELECT s.id, s.shortfall, COUNT(*) OVER () FROM ({union[0]}) s "
            "ORDER BY s.severity, s.shortfall DESC, s.name, s.id LIMIT %s OFFSET %s",
            [*union[1], stop - start, start],
        )
        if not fetched:
            return []
        self._total = fetched[0][2]
        shortfalls = {pk: shortfall for pk, shortfall, _total in fetched}
        rows = {
            row["cadre_id"]: row
            for row in evaluate(
                Cadre.objects.filter(pk__in=list(shortfalls)),
                self.as_of,
                self.since,
                rule_sets=self.profiles,
            )
        }
        result = []
        for pk, shortfall in shortfalls.items():
            if pk in rows:
                rows[pk]["shortfall"] = max(float(shortfall or 0.0), 0.0)
                result.append(rows[pk])
        return result

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None or key.stop is None:
            raise TypeError("ReportRows are read a page (a bounded slice) at a time")
        start, stop = key.start or 0, key.stop
        for (first, last), rows in self._pages.items():
            # The paginator asks for a short last page as [start, count).
            if first == start and (stop <= last or len(rows) < last - first):
                return rows[: stop - start]
        self._pages[(start, stop)] = self._page(start, stop)
        return self._pages[(start, stop)]
