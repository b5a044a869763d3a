"""The running totals of hours (`HourTotal`: cadre × kind × year, recognized hours only):
how a compliance window is read from them, and how they are counted again from the
ledger.

A window [start, end] is the totals of the calendar years it touches, corrected at its
edges with the ledger's own records: of a year the window covers only in part, either
the days outside the window are taken away or the days inside it are added, whichever
span is shorter — so at most half a year at each edge is read from the ledger (by its
index on `date`), and a window of whole years reads the totals alone: one total per
cadre and kind when those years are one, or five (a total's `…_5y` sums), else the sum
of each year's.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.db import connections, transaction

from ledger.models import (
    COUNTED_STATUS,
    TOTAL_SUMS,
    TRAILING_SUMS,
    TRAILING_YEARS,
    HourRecord,
    HourTotal,
)

SUMS = TOTAL_SUMS


@dataclass(frozen=True)
class Split:
    """A window as years of totals [first_year, last_year] (none when first > last) and
    ledger spans (sign, first day, last day), both ends included."""

    first_year: int
    last_year: int
    spans: tuple[tuple[int, dt.date, dt.date], ...]

    @property
    def has_years(self) -> bool:
        return self.first_year <= self.last_year


def _days(first: dt.date, last: dt.date) -> int:
    return (last - first).days + 1 if last >= first else 0


def split_window(start: dt.date, end: dt.date) -> Split | None:
    """How to count [start, end] from the totals and the ledger; None for an empty
    window."""
    if start > end:
        return None
    day = dt.timedelta(days=1)
    first_year, last_year = start.year, end.year
    spans = []
    if first_year == last_year:
        year_start, year_end = dt.date(first_year, 1, 1), dt.date(first_year, 12, 31)
        outside = _days(year_start, start - day) + _days(end + day, year_end)
        if _days(start, end) <= outside:
            return Split(1, 0, ((1, start, end),))
        if start > year_start:
            spans.append((-1, year_start, start - day))
        if end < year_end:
            spans.append((-1, end + day, year_end))
        return Split(first_year, last_year, tuple(spans))
    # The first year: take away its days before `start`, or add its days from `start`.
    year_start, year_end = dt.date(first_year, 1, 1), dt.date(first_year, 12, 31)
    if start > year_start:
        if _days(year_start, start - day) <= _days(start, year_end):
            spans.append((-1, year_start, start - day))
        else:
            spans.append((1, start, year_end))
            first_year += 1
    # The last year: take away its days after `end`, or add its days up to `end`.
    year_start, year_end = dt.date(last_year, 1, 1), dt.date(last_year, 12, 31)
    if end < year_end:
        if _days(end + day, year_end) <= _days(year_start, end):
            spans.append((-1, end + day, year_end))
        else:
            spans.append((1, year_start, end))
            last_year -= 1
    return Split(first_year, last_year, tuple(spans))


def window_sums(rule_windows, connection, cadre_ids: str, cadre_params: list, joined=()):
    """The SQL summing, per cadre, each rule's hours and days over its window: the
    running totals of the years the window covers, corrected by the ledger's records at
    its edges (`ledger.totals.split_window`). The years of the rules named in `joined`
    (prefixes) are left out: the caller reads them from one total (`one_total`).
    Returns (sql, params) or None when no window holds a day."""
    real = "DOUBLE PRECISION" if connection.vendor == "postgresql" else "REAL"
    quote = connection.ops.quote_name
    t_cols, t_conds, t_where = [], [], []
    l_cols, l_where, l_where_params = [], [], []
    for prefix, rule, window in rule_windows:
        split = split_window(window.start, window.end)
        per_day = float(rule.hours_per_day)
        if split is not None and split.has_years and prefix not in joined:
            cond = "t.kind = %s AND t.year BETWEEN %s AND %s"
            args = [rule.kind, split.first_year, split.last_year]
            t_cols.append(
                (
                    f"CASE WHEN {cond} THEN CAST(t.hours AS {real}) ELSE 0.0 END AS {prefix}_h, "
                    f"CASE WHEN {cond} THEN CAST(t.days AS {real}) + "
                    f"CAST(t.hours_without_days AS {real}) / %s ELSE 0.0 END AS {prefix}_d",
                    [*args, *args, per_day],
                )
            )
            t_where.append(f"({cond})")
            t_conds.extend(args)
        else:
            t_cols.append((f"0.0 AS {prefix}_h, 0.0 AS {prefix}_d", []))
        spans = split.spans if split is not None else ()
        if spans:
            whens_h, whens_d, args_h, args_d = [], [], [], []
            for sign, first, last in spans:
                cond = "r.kind = %s AND r.date BETWEEN %s AND %s"
                whens_h.append(f"WHEN {cond} THEN {sign} * CAST(r.hours AS {real})")
                whens_d.append(
                    f"WHEN {cond} THEN {sign} * COALESCE(CAST(r.days AS {real}), "
                    f"CAST(r.hours AS {real}) / %s)"
                )
                args_h.extend([rule.kind, first, last])
                args_d.extend([rule.kind, first, last, per_day])
                l_where.append(f"({cond})")
                l_where_params.extend([rule.kind, first, last])
            l_cols.append(
                (
                    f"CASE {' '.join(whens_h)} ELSE 0.0 END AS {prefix}_h, "
                    f"CASE {' '.join(whens_d)} ELSE 0.0 END AS {prefix}_d",
                    [*args_h, *args_d],
                )
            )
        else:
            l_cols.append((f"0.0 AS {prefix}_h, 0.0 AS {prefix}_d", []))
    parts, params = [], []
    if t_where:
        parts.append(
            f"SELECT t.cadre_id AS cadre_id, {', '.join(c for c, _ in t_cols)} "
            f"FROM {quote(HourTotal._meta.db_table)} t "
            f"WHERE t.cadre_id IN ({cadre_ids}) AND ({' OR '.join(t_where)})"
        )
        params += [p for _, ps in t_cols for p in ps] + cadre_params + t_conds
    if l_where:
        parts.append(
            f"SELECT r.cadre_id AS cadre_id, {', '.join(c for c, _ in l_cols)} "
            f"FROM {quote(HourRecord._meta.db_table)} r WHERE r.status = %s "
            f"AND r.cadre_id IN ({cadre_ids}) AND ({' OR '.join(l_where)})"
        )
        params += [p for _, ps in l_cols for p in ps]
        params += [COUNTED_STATUS, *cadre_params, *l_where_params]
    if not parts:
        return None
    sums = ", ".join(
        f"SUM(x.{prefix}_h) AS {prefix}_h, SUM(x.{prefix}_d) AS {prefix}_d"
        for prefix, _r, _w in rule_windows
    )
    return (
        f"SELECT x.cadre_id, {sums} FROM ({' UNION ALL '.join(parts)}) x GROUP BY x.cadre_id",
        params,
    )


def one_total(rule_windows, connection):
    """The rules whose window's years are one calendar year or the five years that end
    with one (`HourTotal`'s `…_5y` sums) read them from one total per cadre, joined by
    its key — no grouping. Returns ({prefix: (hours SQL, days SQL)}, the joins' SQL,
    their params); the ledger's days at the window's edges are added by the caller."""
    real = "DOUBLE PRECISION" if connection.vendor == "postgresql" else "REAL"
    table = connection.ops.quote_name(HourTotal._meta.db_table)
    one, aliases, joins, params = {}, {}, [], []
    for prefix, rule, window in rule_windows:
        split = split_window(window.start, window.end)
        if split is None or not split.has_years:
            continue
        years = split.last_year - split.first_year + 1
        if years not in (1, TRAILING_YEARS):
            continue
        key = (rule.kind, split.last_year)
        if key not in aliases:
            aliases[key] = alias = f"t{len(aliases)}"
            joins.append(
                f" LEFT JOIN {table} {alias} ON {alias}.cadre_id = q.id "
                f"AND {alias}.kind = %s AND {alias}.year = %s"
            )
            params += [rule.kind, split.last_year]
        alias, suffix = aliases[key], "_5y" if years > 1 else ""
        per_day = float(rule.hours_per_day)
        if not math.isfinite(per_day) or per_day <= 0:
            raise ValueError(f"rule {rule.pk}: hours per day must be positive")
        one[prefix] = (
            f"COALESCE(CAST({alias}.hours{suffix} AS {real}), 0.0)",
            f"COALESCE(CAST({alias}.days{suffix} AS {real}) + "
            f"CAST({alias}.hours_without_days{suffix} AS {real}) / {per_day!r}, 0.0)",
        )
    return one, "".join(joins), params


def ledger_sums_sql(connection) -> str:
    """The totals as the ledger's records add up to them (the rebuild's source): one
    row per cadre, kind and year, with the columns of `HourTotal`."""
    year = (
        "CAST(EXTRACT(YEAR FROM r.date) AS INTEGER)"
        if connection.vendor == "postgresql"
        else "CAST(strftime('%%Y', r.date) AS INTEGER)"
    )
    records = connection.ops.quote_name(HourRecord._meta.db_table)
    return (
        f"SELECT r.cadre_id, r.kind, {year} AS year, SUM(r.hours) AS hours, "
        "COALESCE(SUM(r.days), 0) AS days, "
        "COALESCE(SUM(CASE WHEN r.days IS NULL THEN r.hours END), 0) AS hours_without_days, "
        f"COUNT(*) AS records FROM {records} r WHERE r.status = %s "
        f"GROUP BY r.cadre_id, r.kind, {year}"
    )


def ledger_sums(using: str = "default") -> dict[tuple, tuple]:
    """{(cadre_id, kind, year): (hours, days, hours_without_days, records)} counted from
    the ledger's records now."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(ledger_sums_sql(connection), [COUNTED_STATUS])
        return {tuple(row[:3]): _normal(row[3:]) for row in cursor.fetchall()}


def stored_sums(using: str = "default") -> dict[tuple, tuple]:
    """The totals as stored, in the shape of `ledger_sums` (rows that add up to nothing,
    left by a record no longer counted, are left out)."""
    rows = HourTotal.objects.using(using).values_list("cadre_id", "kind", "year", *SUMS)
    return {tuple(row[:3]): _normal(row[3:]) for row in rows if any(row[3:])}


def ledger_five_year_sums(using: str = "default") -> dict[tuple, tuple]:
    """{(cadre_id, kind, year): (hours, days, hours_without_days)} over the five years
    that end with `year`, counted from the ledger's records now."""
    found: dict[tuple, list] = {}
    for (cadre_id, kind, year), (hours, days, without, _records) in ledger_sums(using).items():
        for offset in range(TRAILING_YEARS):
            entry = found.setdefault((cadre_id, kind, year + offset), [0.0, 0.0, 0.0])
            entry[0] += hours
            entry[1] += days
            entry[2] += without
    return {key: tuple(round(v, 1) for v in sums) for key, sums in found.items() if any(sums)}


def stored_five_year_sums(using: str = "default") -> dict[tuple, tuple]:
    """The five-year sums as stored, in the shape of `ledger_five_year_sums`."""
    rows = HourTotal.objects.using(using).values_list("cadre_id", "kind", "year", *TRAILING_SUMS)
    return {
        tuple(row[:3]): tuple(round(float(v), 1) for v in row[3:]) for row in rows if any(row[3:])
    }


def differences(using: str = "default") -> set[tuple]:
    """The keys (cadre, kind, year) whose stored totals — the year's sums or the five
    years' — differ from what the ledger's records add up to."""
    found = set()
    for stored, counted in (
        (stored_sums(using), ledger_sums(using)),
        (stored_five_year_sums(using), ledger_five_year_sums(using)),
    ):
        found |= {k for k in stored.keys() | counted.keys() if stored.get(k) != counted.get(k)}
    return found


def _normal(sums) -> tuple:
    hours, days, without, records = sums
    return (round(float(hours), 1), round(float(days), 1), round(float(without), 1), records)


def rebuild(using: str = "default") -> int:
    """Count every total again from the ledger, in one transaction; the number of totals.

    On PostgreSQL the totals table is locked against writers first: a record written
    meanwhile either is in the count or adds itself after it, never both."""
    connection = connections[using]
    table = connection.ops.quote_name(HourTotal._meta.db_table)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(rebuild_sql(connection, table), [COUNTED_STATUS])
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def rebuild_sql(connection, table: str) -> str:
    """INSERT … SELECT of every total from the ledger: each year's sums spread over the
    five-year sums of that year and the four after it."""
    offsets = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(TRAILING_YEARS))
    year_sums = ", ".join(f"SUM(CASE WHEN o.k = 0 THEN s.{c} ELSE 0 END)" for c in SUMS)
    five_year_sums = ", ".join(f"SUM(s.{c})" for c in SUMS[:3])
    return (
        f"INSERT INTO {table} (cadre_id, kind, year, {', '.join(SUMS)}, "
        f"{', '.join(TRAILING_SUMS)}) "
        f"SELECT s.cadre_id, s.kind, s.year + o.k, {year_sums}, {five_year_sums} "
        f"FROM ({ledger_sums_sql(connection)}) s CROSS JOIN ({offsets}) o "
        "GROUP BY s.cadre_id, s.kind, s.year + o.k"
    )
