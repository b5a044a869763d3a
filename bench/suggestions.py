"""Benchmark: candidate suggestions for a class from a pool of 100,000 cadres, top 50.

Prints JSON. Not a test: `python bench/suggestions.py [cadres] [records] [dispatches]`;
DATABASE_URL picks the database (a throw-away test database is created and dropped).

The pool is the compliance benchmark's (one in five cadres in group A, 1,000,000 hour
records over five years); one in ten cadres is a leadership-team member and one in
twenty an outstanding young cadre, and 20,000 of them attended a main or thematic class
at some point in those years, so the "last systematic training" is looked up for real.
A dispatcher reaching the whole city asks for the top 50. Over the same pool, the
circular's leadership-team and young-cadre rates (`dispatch.leadership`) are timed too.
"""

import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import QueryCounter, django_test_db, teardown  # noqa: E402

CADRES = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
RECORDS = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
DISPATCHES = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
LIMIT = 50


def load_dispatches(world):
    """Past classes (main and thematic) and attended dispatches to them."""
    from django.utils import timezone

    from dispatch.models import Dispatch
    from org.models import Cadre
    from tests.factories import training_class

    classes = [
        training_class(
            world.city_od,
            world.school,
            dt.date(2021, 3, 1) + dt.timedelta(days=61 * n),
            kind="main" if n % 2 else "thematic",
            name=f"往期班{n}",
        )
        for n in range(30)
    ]
    cadres = Cadre.objects.filter(id_number__startswith="9").order_by("pk")
    step = max(CADRES // DISPATCHES, 1)
    now = timezone.now()
    Dispatch.objects.bulk_create(
        (
            Dispatch(
                training_class=classes[n % len(classes)],
                cadre_id=cadre_id,
                unit_id=unit_id,
                status="attended",
                attendance="present",
                confirm_due=now,
                hours_credited=40,
            )
            for n, (cadre_id, unit_id) in enumerate(
                cadres.values_list("pk", "unit_id")[::step][:DISPATCHES]
            )
        ),
        batch_size=2000,
    )


def main():
    connection, name = django_test_db()
    try:
        import bench.compliance as compliance_bench
        from dispatch.suggestions import suggest
        from org.models import Cadre
        from tests.factories import World, training_class

        compliance_bench.CADRES, compliance_bench.RECORDS = CADRES, RECORDS
        world = World()
        started = time.perf_counter()
        compliance_bench.load(connection, world)
        Cadre.objects.filter(id_number__startswith="9").filter(pk__endswith="0").update(
            is_leadership_member=True
        )
        Cadre.objects.filter(id_number__startswith="9").filter(pk__endswith="5").filter(
            category="civil_servant"
        ).update(is_young_cadre=True)
        load_dispatches(world)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        load_seconds = time.perf_counter() - started
        upcoming = training_class(world.city_od, world.school, dt.date(2026, 12, 1), name="新班")
        runs, queries = [], None
        for _ in range(3):
            with QueryCounter(connection) as counter:
                started, cpu = time.perf_counter(), time.process_time()
                top = suggest(world.bob, upcoming, limit=LIMIT)
                runs.append((time.perf_counter() - started, time.process_time() - cpu))
            queries = counter.count
        # The circular's leadership-team and young-cadre rates over the same pool.
        from dispatch.leadership import leadership_compliance

        with QueryCounter(connection) as counter:
            started = time.perf_counter()
            cycles = leadership_compliance(Cadre.objects.all(), upcoming.start_date)
            cycle_seconds = time.perf_counter() - started
        cycle_queries = counter.count
        priorities = {}
        for suggestion in top:
            priorities[suggestion.priority] = priorities.get(suggestion.priority, 0) + 1
        print(
            json.dumps(
                {
                    "benchmark": "suggestions",
                    "database": connection.vendor,
                    "pool": Cadre.objects.count(),
                    "hour_records": RECORDS,
                    "attended_dispatches": DISPATCHES,
                    "limit": LIMIT,
                    "suggested": len(top),
                    "by_priority": priorities,
                    "first_run_seconds": round(runs[0][0], 2),
                    "best_seconds": round(min(r[0] for r in runs), 2),
                    "best_cpu_seconds": round(min(r[1] for r in runs), 2),
                    "queries": queries,
                    "load_seconds": round(load_seconds, 1),
                    "leadership_compliance_seconds": round(cycle_seconds, 2),
                    "leadership_compliance_queries": cycle_queries,
                    "leaders": cycles["leaders"],
                    "young_cadres": cycles["young"],
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
