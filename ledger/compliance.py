"""Compliance with the quantitative indicators, computed set-based.

For a set of cadres and a day (`as_of`), each indicator rule in force for a cadre is
evaluated over its window with one query per set of cadre categories sharing the same
rules (per indicator group with the default rules) — never a query per cadre. The hours
come from the running totals (`HourTotal`, cadre × kind × year), with only the days at a
window's edges read from the ledger (`ledger.totals.split_window`); a window of one year or
of five reads one total per cadre and kind (its year's, or its five-year, sums).
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
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import collector
from core.formatting import format_hours
from ledger import totals
from ledger.models import (
    IndicatorRule,
    RuleWindow,
)
from org.models import CATEGORY_GROUP, Cadre

MET, ON_TRACK, AT_RISK, SHORT = "met", "on_track", "at_risk", "short"
ORDER = [SHORT, AT_RISK, ON_TRACK, MET]  # worst first
#: each status as people read it (pages, downloads, the API's schema), worst first
STATUS_LABELS = {
    SHORT: gettext_lazy("short"),
    AT_RISK: gettext_lazy("at risk"),
    ON_TRACK: gettext_lazy("on track"),
    MET: gettext_lazy("met"),
}
STATUS_CHOICES = list(STATUS_LABELS.items())
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


#: The days a report may be evaluated on or count hours from: the plan's cycles and the
#: windows are found by adding and taking years, which must stay within the calendar.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9000, 12, 31)


def day_refusal(day: dt.date | None) -> str | None:
    """Why `day` cannot be evaluated on or counted from (outside FIRST_DAY–LAST_DAY);
    None when it can."""
    if day is None or FIRST_DAY <= day <= LAST_DAY:
        return None
    return _("Enter a date between the years %(first)d and %(last)d.") % {
        "first": FIRST_DAY.year,
        "last": LAST_DAY.year,
    }


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


def profiles(as_of: dt.date, rules: dict | None = None) -> list[Profile]:
    """For every cadre category, the rule of each kind in force on `as_of` that applies
    to it — of those whose scope includes the category, the one for the fewest
    categories — with categories sharing the same rules put together. `rules`:
    `rules_in_force(as_of)`, when the caller has them already."""
    found: dict[tuple, list[str]] = {}
    rules_of: dict[tuple, tuple[IndicatorRule, ...]] = {}
    in_force = rules_in_force(as_of) if rules is None else rules
    for group, group_rules in in_force.items():
        for category in [c for c, g in CATEGORY_GROUP.items() if g == group]:
            per_kind: dict[str, IndicatorRule] = {}
            for rule in group_rules:
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


@dataclass(frozen=True)
class ProfileQuery:
    """SQL for one profile's cadres with, per rule, `r<id>_hours`, `_days`, `_progress`,
    `_status` and the cadre's `overall` status; `rules` is [(prefix, rule)]."""

    sql: str
    params: list
    rules: list[tuple[str, IndicatorRule]]


#: the hours and days of rules over their windows, for other measures of the ledger
#: (`ledger.cycles`): [(prefix, object with .kind and .hours_per_day, Window)]
window_sums = totals.window_sums


def profile_query(
    cadres: QuerySet,
    profile: Profile,
    as_of: dt.date,
    since: dt.date | None = None,
    columns: tuple[str, ...] = ("id", "name", "unit_id"),
) -> ProfileQuery | None:
    """`cadres` of the profile's categories (their `columns`, which include `id`) with
    each rule's hours, days, progress and status and the overall status, in SQL that
    reads the running totals (`HourTotal`), never the whole ledger. With `since`, hours
    before that day do not count. None when no cadre can match."""
    base = cadres.filter(category__in=profile.categories).order_by().values(*columns)
    try:
        base_sql, base_params = base.query.sql_with_params()
    except EmptyResultSet:  # e.g. Cadre.objects.none()
        return None
    connection = connections[cadres.db]
    rule_windows = []
    for rule in profile.rules:
        window = window_for(rule, as_of)
        if since and since > window.start:
            window = replace(window, start=since)
        rule_windows.append((f"r{rule.pk}", rule, window))
    ids_sql, ids_params = base.values("id").query.sql_with_params()
    one, joins, join_params = totals.one_total(rule_windows, connection)
    sums = totals.window_sums(rule_windows, connection, ids_sql, list(ids_params), joined=one)
    largest = "MAX" if connection.vendor == "sqlite" else "GREATEST"
    # Two levels (SQLite's parser allows only so many nested SELECTs): the sums and the
    # progress of each rule; then each rule's status and the worst of them.
    measured, measured_params, names = [], [], []
    statuses = []
    for prefix, rule, window in rule_windows:
        h, d = (f"COALESCE(s.{prefix}_{x}, 0.0)" if sums else "0.0" for x in "hd")
        if prefix in one:
            h, d = f"({one[prefix][0]} + {h})", f"({one[prefix][1]} + {d})"
        p = f"{h} / %s"
        p_params = [float(rule.min_hours) or 1.0]
        if rule.alt_min_days:
            p = f"{largest}({p}, {d} / %s)"
            p_params.append(float(rule.alt_min_days))
        measured.append(f"{h} AS {prefix}_hours, {d} AS {prefix}_days, {p} AS {prefix}_progress")
        measured_params += p_params
        names += [f"{prefix}_hours", f"{prefix}_days", f"{prefix}_progress"]
        met, met_params = f"q.{prefix}_hours >= %s", [float(rule.min_hours)]
        if rule.alt_min_days:
            met += f" OR q.{prefix}_days >= %s"
            met_params.append(float(rule.alt_min_days))
        whens = f"WHEN {met} THEN '{MET}' WHEN q.{prefix}_progress >= %s THEN '{ON_TRACK}'"
        w_params = [*met_params, window.elapsed]
        if window.at_risk_from is not None:
            whens += f" WHEN q.{prefix}_progress >= %s THEN '{AT_RISK}'"
            w_params.append(window.at_risk_from)
        statuses.append((f"(CASE {whens} ELSE '{SHORT}' END)", w_params))
    kept = ", ".join(f"q.{c}" for c in columns)
    join = f" LEFT JOIN ({sums[0]}) s ON s.cadre_id = q.id" if sums else ""
    sql = f"SELECT {kept}, {', '.join(measured)} FROM ({base_sql}) q{join}{joins}"
    params = [*measured_params, *base_params, *(sums[1] if sums else []), *join_params]
    outer, outer_params = [], []
    for (prefix, _r, _w), (status, w_params) in zip(rule_windows, statuses, strict=True):
        outer.append(f"{status} AS {prefix}_status")
        outer_params += w_params
    worst = []
    for level in ORDER[:-1]:
        worst.append(
            f"WHEN {' OR '.join(f'{status} = %s' for status, _p in statuses)} THEN '{level}'"
        )
        for _status, w_params in statuses:
            outer_params += [*w_params, level]
    outer.append(f"CASE {' '.join(worst)} ELSE '{MET}' END AS overall")
    listed = ", ".join(f"q.{c}" for c in (*columns, *names))
    sql = f"SELECT {listed}, {', '.join(outer)} FROM ({sql}) q"
    params = outer_params + params
    return ProfileQuery(sql, params, [(prefix, rule) for prefix, rule, _w in rule_windows])


def _fetch(db: str, sql: str, params: list) -> list:
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def evaluate(
    cadres: QuerySet,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    *,
    rule_sets: list[Profile] | None = None,
) -> list[dict]:
    """One row per cadre: id, name, unit_id, group, per-rule hours/days/status, overall.

    One query per set of categories sharing the same rules (one per indicator group with
    the default rules: two), over the running totals. With `since`, hours before that day
    do not count. `rule_sets`: `profiles(as_of)`, when the caller has them already."""
    as_of = as_of or dt.date.today()
    rows: list[dict] = []
    for profile in profiles(as_of) if rule_sets is None else rule_sets:
        query = profile_query(cadres, profile, as_of, since)
        if query is None:
            continue
        # What does not change from cadre to cadre is made (and translated) once.
        fixed = [
            {
                "rule_id": rule.pk,
                "code": rule.code,
                "label": rule_label(rule),
                "version": rule.version,
                "kind": rule.kind,
                "categories": list(rule.categories),
                "required_hours": rule.min_hours,
                # The alternative: met by these days instead of the hours (None: hours only).
                "required_days": rule.alt_min_days,
            }
            for _prefix, rule in query.rules
        ]
        # Per rule: its columns, side by side (hours, days, progress, status).
        columns = [f"q.{prefix}_{name}" for prefix, _r in query.rules for name in RULE_FIELDS]
        sql = (
            f"SELECT q.id, q.name, q.unit_id, q.overall, {', '.join(columns)} FROM ({query.sql}) q"
        )
        at = [(fixed[i], 4 + 4 * i) for i in range(len(fixed))]
        group = profile.group
        with collector.paused():
            for values in _fetch(cadres.db, sql, query.params):
                rows.append(
                    {
                        "cadre_id": values[0],
                        "name": values[1],
                        "unit_id": values[2],
                        "group": group,
                        "status": values[3],
                        "rules": [
                            {
                                **made,
                                "hours": values[k],
                                "days": values[k + 1],
                                "progress": values[k + 2],
                                "status": values[k + 3],
                            }
                            for made, k in at
                        ],
                    }
                )
    return rows


def rule_label(rule: IndicatorRule) -> str:
    """What a person reads for a rule: the kind of training and its window, e.g.
    集中培训（滚动五年）."""
    return f"{rule.get_kind_display()}（{rule.get_window_display()}）"


def _days_done(days) -> str:
    """Days done as printed beside the days required: to one decimal place, rounded down,
    so that a rule short of its days never reads as having reached them (11.96 → 11.9)."""
    tenths = Decimal(str(round(float(days or 0), 6))).quantize(Decimal("0.1"), ROUND_DOWN)
    return format_hours(tenths)


def rule_progress(rule: dict) -> str:
    """A rule of an `evaluate` row as the report reads it: what is done against what is
    required, in hours — and in days where the rule is met by days too (集中培训（自然年度）：
    72/90学时或12/12天)."""
    done = {
        "hours": format_hours(rule["hours"] or 0),
        "required": format_hours(rule["required_hours"]),
    }
    if rule.get("required_days"):
        text = _("%(hours)s/%(required)s hours or %(days)s/%(required_days)s days") % {
            **done,
            "days": _days_done(rule["days"]),
            "required_days": format_hours(rule["required_days"]),
        }
    else:
        text = _("%(hours)s/%(required)s hours") % done
    return f"{rule['label']}：{text}"


def indicators_text(row: dict) -> str:
    """Every rule of an `evaluate` row (`rule_progress`), as the report's page and its
    download print them."""
    return "；".join(rule_progress(rule) for rule in row["rules"])


def for_cadre(cadre: Cadre, as_of: dt.date | None = None) -> dict | None:
    rows = evaluate(Cadre.objects.filter(pk=cadre.pk), as_of)
    return rows[0] if rows else None


def summary_by_unit(
    cadres: QuerySet,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    *,
    rule_sets: list[Profile] | None = None,
) -> dict[int, dict]:
    """Counts of each status and the compliance rate (met or on track) per unit.

    Counted in SQL: the per-cadre statuses of every set of categories (UNION ALL) are
    grouped by unit with conditional counts — one query, however many cadres."""
    as_of = as_of or dt.date.today()
    parts, params = [], []
    for n, profile in enumerate(profiles(as_of) if rule_sets is None else rule_sets):
        query = profile_query(cadres, profile, as_of, since, columns=("id", "unit_id"))
        if query is None:  # e.g. Cadre.objects.none()
            continue
        parts.append(f"SELECT p{n}.unit_id, p{n}.overall FROM ({query.sql}) p{n}")
        params.extend(query.params)
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

    def __init__(self, cadres: QuerySet, as_of: dt.date, since=None, status=None, rule_sets=None):
        self.cadres, self.as_of, self.since = cadres, as_of, since
        self.status = status if status in ORDER else None
        self.profiles = profiles(as_of) if rule_sets is None else rule_sets
        self._total: int | None = None
        self._pages: dict[tuple[int, int], list[dict]] = {}

    def _union(self) -> tuple[str, list] | None:
        connection = connections[self.cadres.db]
        quote = connection.ops.quote_name
        largest = "MAX" if connection.vendor == "sqlite" else "GREATEST"
        parts, params = [], []
        for n, profile in enumerate(self.profiles):
            query = profile_query(self.cadres, profile, self.as_of, self.since, ("id", "name"))
            if query is None:
                continue
            progress = [f"{prefix}_progress" for prefix, _ in query.rules]
            sql, part_params = query.sql, query.params
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

    def _ranked(self, start: int, stop: int) -> list[tuple[int, float]]:
        """The ids and shortfalls of rows [start, stop), in order; sets the count."""
        union = self._union()
        if union is None:
            return []
        fetched = self._fetch(
            f"SELECT s.id, s.shortfall, COUNT(*) OVER () FROM ({union[0]}) s "
            "ORDER BY s.severity, s.shortfall DESC, s.name, s.id LIMIT %s OFFSET %s",
            [*union[1], stop - start, start],
        )
        if fetched:
            self._total = fetched[0][2]
        return [(pk, shortfall) for pk, shortfall, _total in fetched]

    def _page(self, start: int, stop: int) -> list[dict]:
        ranked = self._ranked(start, stop) if stop > start else []
        if not ranked:
            return []
        shortfalls = dict(ranked)
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
