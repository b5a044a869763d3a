"""Benchmark: circular figures over 1,000,000 dispatches (goal ≤ 0.3 s on PostgreSQL).

`group_by_unit_status_seconds` is a reference measured in the same run: one
`GROUP BY unit, status` over the period's dispatches, the least any count could cost.

Prints JSON. Not a test: `python bench/circular.py [dispatches]`; run it with
DATABASE_URL=postgres://... for the figure the goal refers to.
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

DISPATCHES = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
CADRES = 100_000
UNITS = 200
CLASSES = 100


def load(connection, world):
    from org.models import Cadre
    from tests.factories import training_class, unit

    units = [unit(f"单位{i}", world.a if i % 2 else world.county) for i in range(UNITS)]
    first_unit = min(u.pk for u in units)
    classes = [
        training_class(
            world.city_od,
            world.school,
            dt.date(2026, 1, 1) + dt.timedelta(days=3 * i),
            name=f"班次{i}",
            quota=10000,
        )
        for i in range(CLASSES)
    ]
    first_class = min(c.pk for c in classes)
    statuses = [
        "attended",
        "attended",
        "attended",
        "attended",
        "absent",
        "deferred",
        "exempt",
        "withdrawn",
        "named",
        "notified",
        "acknowledged",
        "cancelled",
    ]
    status_case = (
        "CASE "
        + " ".join(f"WHEN i % {len(statuses)} = {n} THEN '{s}'" for n, s in enumerate(statuses))
        + " END"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Cadre._meta.db_table} (name, gender, id_number, unit_id, position, rank, category, "
            "is_leadership_member, is_young_cadre, managing_org_department_id) "
            f"SELECT 'C' || i, 'M', {id_number_sql(connection, 'i')}, {first_unit} + (i % {UNITS}), "
            f"'科员', '', 'civil_servant', false, false, {world.city_od.pk} {series_sql(connection, CADRES)}"
        )
        cursor.execute(f"SELECT min(id) FROM {Cadre._meta.db_table} WHERE id_number LIKE '9%%'")
        first_cadre = cursor.fetchone()[0]
        # Each cadre goes to each class at most once: class = i // CADRES, cadre = i % CADRES.
        cursor.execute(
            "INSERT INTO dispatch_dispatch (training_class_id, cadre_id, unit_id, kind, status, "
            "confirm_due, request_kind, request_reason, request_attachment, notice_reference, "
            "attendance, leave_hours, flagged_for_circular, escalated, cancel_reason, created_at, "
            "acknowledge_due, acknowledged_at) "
            f"SELECT {first_class} + (i / {CADRES}), {first_cadre} + (i % {CADRES}), "
            f"{first_unit} + ((i % {CADRES}) % {UNITS}), 'regular', {status_case}, CURRENT_TIMESTAMP, "
            "CASE WHEN i % 24 = 5 THEN 'leave' WHEN i % 12 = 5 THEN 'deferral' ELSE '' END, '', '', '', "
            "'', 0, false, false, '', CURRENT_TIMESTAMP, "
            "CASE WHEN i % 12 IN (0, 1, 2, 3, 4, 7, 9, 10) THEN CURRENT_TIMESTAMP END, "
            "CASE WHEN i % 12 IN (0, 1, 2, 3, 10) THEN CURRENT_TIMESTAMP END "
            f"{series_sql(connection, DISPATCHES)}"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM as autovacuum would in service (this server runs with it off): the
            # visibility map lets the absentees be read from their index alone.
            cursor.execute("VACUUM ANALYZE")


def main():
    connection, name = django_test_db()
    try:
        from django.db.models import Count

        from circulars.services import circular_figures
        from dispatch.models import Dispatch
        from tests.factories import World

        world = World()
        started = time.perf_counter()
        load(connection, world)
        load_seconds = time.perf_counter() - started
        # The tallies' change rows merged, as the ten-minute beat task does in service
        # (PostgreSQL's statement-level triggers already wrote one row a key per INSERT;
        # SQLite's row triggers one per dispatch).
        started = time.perf_counter()
        from dispatch import tally

        merged = tally.compact()
        compact_seconds = time.perf_counter() - started
        timings = []
        for _ in range(3):
            with QueryCounter(connection) as queries:
                started = time.perf_counter()
                figures = circular_figures(
                    org_department=world.city_od,
                    start=dt.date(2026, 1, 1),
                    end=dt.date(2026, 12, 31),
                )
                timings.append(time.perf_counter() - started)
        reference = []
        for _ in range(3):
            started = time.perf_counter()
            list(
                Dispatch.objects.filter(
                    training_class__start_date__gte=dt.date(2026, 1, 1),
                    training_class__start_date__lte=dt.date(2026, 12, 31),
                )
                .exclude(status="cancelled")
                .order_by()
                .values_list("unit_id", "status")
                .annotate(n=Count("*"))
            )
            reference.append(time.perf_counter() - started)
        total = Dispatch.objects.exclude(status="cancelled").count()
        assert figures["totals"]["named"] == total, (figures["totals"]["named"], total)
        print(
            json.dumps(
                {
                    "benchmark": "circular",
                    "database": connection.vendor,
                    "dispatches": DISPATCHES,
                    "units_in_circular": len(figures["units"]),
                    "figures_seconds_best_of_3": round(min(timings), 2),
                    "figures_seconds_first": round(timings[0], 2),
                    "queries": queries.count,
                    "reconciles": True,
                    "group_by_unit_status_seconds": round(min(reference), 2),
                    "ratio_to_group_by": round(min(timings) / min(reference), 2),
                    "load_seconds": round(load_seconds, 1),
                    "tally_rows_merged": merged,
                    "compact_seconds": round(compact_seconds, 1),
                    "goal_seconds": 0.3,
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
