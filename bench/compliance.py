"""Benchmark: compliance for 100,000 cadres with 1,000,000 hour records (goals: evaluate
≤ 1 s, the report page ≤ 300 ms, on SQLite and PostgreSQL).

The records are bulk-loaded with SQL, so the running totals (HourTotal) are then counted
from them with `ledger.totals.rebuild` (what `manage.py rebuild_hour_totals` does), timed
as `totals_rebuild_seconds`; on PostgreSQL then `VACUUM ANALYZE`, as autovacuum would.
Then the day's stored compliance standings are counted (`ledger.standings.recount`, what
`manage.py recount_compliance` and the first read of a day do), timed as
`standing_recount_seconds`, so that the report page measures the page's read.

Also the compliance report page (`/compliance/`, page 1 of 100 rows) for a dispatcher
whose jurisdiction holds all of them, through Django's test client: unfiltered, and
filtered to one status (then the count is an aggregate too).

Prints JSON. Not a test: `python bench/compliance.py [cadres] [records]`; DATABASE_URL
picks the database (a throw-away test database is created and dropped). `*_cpu_seconds`
is this process's CPU time (on SQLite that includes the database's work), a steadier
figure than wall time on a busy machine.
"""

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import (  # noqa: E402
    QueryCounter,
    django_test_db,
    id_number_sql,
    series_sql,
    teardown,
)

CADRES = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
RECORDS = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000


def load(connection, world):
    """Bulk-load cadres and hour records with set-based SQL (seconds, not minutes)."""
    from ledger.models import HourRecord
    from org.models import Cadre

    cadres, records = Cadre._meta.db_table, HourRecord._meta.db_table
    categories = "CASE WHEN i % 5 = 0 THEN 'county_leader' ELSE 'civil_servant' END"
    units = [world.a.pk, world.a1.pk, world.b.pk]
    unit_expr = (
        f"CASE WHEN i % 3 = 0 THEN {units[0]} WHEN i % 3 = 1 THEN {units[1]} ELSE {units[2]} END"
    )
    od_expr = f"CASE WHEN i % 3 = 2 THEN {world.county_od.pk} ELSE {world.city_od.pk} END"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {cadres} (name, gender, id_number, unit_id, position, rank, category, "
            "is_leadership_member, is_young_cadre, managing_org_department_id) "
            f"SELECT 'C' || i, 'M', {id_number_sql(connection, 'i')}, {unit_expr}, '科员', '', "
            f"{categories}, false, false, {od_expr} {series_sql(connection, CADRES)}"
        )
        cursor.execute(f"SELECT min(id) FROM {cadres} WHERE id_number LIKE '9%%'")
        first = cursor.fetchone()[0]
        date = (
            "CAST(DATE '2022-01-01' + (i % 1800) AS DATE)"
            if connection.vendor == "postgresql"
            else "date('2022-01-01', '+' || (i % 1800) || ' days')"
        )
        cursor.execute(
            f"INSERT INTO {records} (cadre_id, date, hours, days, kind, source, source_key, "
            "status, note, attachment, created_at) "
            f"SELECT {first} + (i % {CADRES}), {date}, 2 + (i % 40), NULL, "
            "CASE WHEN i % 4 = 0 THEN 'online' ELSE 'concentrated' END, 'online_import', "
            f"'b:' || i, 'recognized', '', '', CURRENT_TIMESTAMP "
            f"{series_sql(connection, RECORDS)}"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def report_page(world, as_of) -> dict:
    """Page 1 of the compliance report, as the city's dispatcher (best of three), and
    the same filtered to one status; checked against `evaluate`'s first row."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from ledger import compliance
    from org import selectors as org_selectors

    setup_test_environment()
    client = Client()
    client.force_login(world.bob)
    figures = {}
    for key, query in (("report_page", ""), ("report_page_short", "&status=short")):
        best = None
        for _ in range(3):
            with QueryCounter(connection) as queries:
                started = time.perf_counter()
                response = client.get(f"/compliance/?as_of={as_of.isoformat()}{query}")
                seconds = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            best = seconds if best is None else min(best, seconds)
        figures[f"{key}_seconds"] = round(best, 2)
        figures[f"{key}_queries"] = queries.count
        page = response.context["page"]
        figures[f"{key}_rows"] = len(page.object_list)
        figures[f"{key}_total"] = page.paginator.count
        # Read from the stored standings (ledger.report), not the live evaluation.
        figures[f"{key}_stored"] = page.paginator.object_list.stored
        # As the page did it before: every cadre in reach evaluated, sorted in Python.
        started = time.perf_counter()
        rows = compliance.evaluate(org_selectors.cadres_in_reach(world.bob), as_of)
        if query:
            rows = [r for r in rows if r["status"] == "short"]
        rows.sort(key=lambda r: (compliance.ORDER.index(r["status"]), r["name"]))
        rows[:100]
        figures[f"{key}_in_python_seconds"] = round(time.perf_counter() - started, 2)
    return figures


def main():
    connection, name = django_test_db()
    try:
        from ledger import compliance, standings, totals
        from org.models import Cadre
        from tests.factories import World

        world = World()
        started = time.perf_counter()
        load(connection, world)
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        hour_totals = totals.rebuild()
        rebuild_seconds = time.perf_counter() - started
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk insert (PostgreSQL ≥ 13 vacuums on inserts
            # too): statistics and the visibility map, so the totals' covering index is
            # read without visiting the table.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        as_of = dt.date(2026, 11, 30)
        # The report page reads the day's stored standings: counted here, as the first
        # read of a day would queue it (the cold cost), then analyzed on PostgreSQL.
        started, cpu = time.perf_counter(), time.process_time()
        standings.recount(as_of)
        recount_seconds = time.perf_counter() - started
        recount_cpu = time.process_time() - cpu
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE ledger_compliancestanding")
        with QueryCounter(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            rows = compliance.evaluate(Cadre.objects.all(), as_of)
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        with QueryCounter(connection) as summary_queries:
            started, cpu = time.perf_counter(), time.process_time()
            summary = compliance.summary_by_unit(Cadre.objects.all(), as_of)
            summary_seconds = time.perf_counter() - started
            summary_cpu = time.process_time() - cpu
        report = report_page(world, as_of)
        # One hour record written while the day is stored: its cadre's standing is
        # evaluated again in the same transaction (rolled back here).
        from django.db import transaction

        from ledger.models import HourRecord

        with transaction.atomic():
            started = time.perf_counter()
            HourRecord.objects.create(
                cadre=Cadre.objects.order_by("pk").last(),
                date=as_of,
                hours=90,
                kind="concentrated",
                source="class",
                source_key="bench:write",
            )
            write_seconds = time.perf_counter() - started
            transaction.set_rollback(True)
        # A reference measured in the same run: one GROUP BY cadre over the records.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT cadre_id, SUM(hours) FROM ledger_hourrecord WHERE status = 'recognized' "
                "GROUP BY cadre_id"
            )
            cursor.fetchall()
        group_by_seconds = time.perf_counter() - started
        by_unit = {}
        for status in compliance.ORDER:
            by_unit[status] = sum(unit[status] for unit in summary.values())
        statuses = {}
        for row in rows:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        print(
            json.dumps(
                {
                    "benchmark": "compliance",
                    "database": connection.vendor,
                    "cadres": len(rows),
                    "hour_records": RECORDS,
                    "evaluate_seconds": round(seconds, 2),
                    "evaluate_queries": queries.count,
                    "evaluate_cpu_seconds": round(cpu_seconds, 2),
                    "summary_by_unit_seconds": round(summary_seconds, 2),
                    "summary_by_unit_queries": summary_queries.count,
                    "summary_by_unit_cpu_seconds": round(summary_cpu, 2),
                    "summary_agrees": by_unit == {s: statuses.get(s, 0) for s in by_unit},
                    **report,
                    "units": len(summary),
                    "statuses": statuses,
                    "load_seconds": round(load_seconds, 1),
                    "ledger_group_by_cadre_seconds": round(group_by_seconds, 2),
                    "hour_totals": hour_totals,
                    "totals_rebuild_seconds": round(rebuild_seconds, 1),
                    "standing_recount_seconds": round(recount_seconds, 2),
                    "standing_recount_cpu_seconds": round(recount_cpu, 2),
                    "hour_write_with_standing_seconds": round(write_seconds, 3),
                    "goal_seconds": 1,
                    "report_page_goal_seconds": 0.3,
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
