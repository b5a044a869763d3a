"""Benchmark: issue a named roll call of 1,000 cadres (roll call, 1,000 dispatches, their
processes and first tasks) against bare Viewflow starting 1,000 minimal processes.

Each round times the bare baseline and the roll call back to back (same machine load), for
ROUNDS rounds; the JSON gives the medians, the median of the per-round ratios and their
spread. Prints JSON. Not a test: run `python bench/rollcall.py [N] [ROUNDS]` (DATABASE_URL
picks the database).
"""

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import QueryCounter, django_test_db, teardown  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def main():
    connection, name = django_test_db()
    try:
        from django.db import transaction
        from django.utils import timezone

        from bench.baseline.flows import MinimalFlow
        from dispatch import services
        from dispatch.flows import RollCallFlow
        from dispatch.models import Dispatch
        from org.models import Cadre
        from tests.factories import World, cadre, training_class
        from workflow.runtime import start_process_as

        world = World()
        cadres = [cadre(f"干部{i}", world.a1, world.city_od) for i in range(N)]
        cadres = list(Cadre.objects.filter(pk__in=[c.pk for c in cadres]).select_related("unit"))
        rounds = []
        for round_ in range(ROUNDS):
            # a class of its own each round, weeks apart, so the cadres never clash
            klass = training_class(
                world.city_od,
                world.school,
                dt.date.today() + dt.timedelta(days=60 + 30 * round_),
                quota=N,
            )

            # bare Viewflow: N minimal processes in one transaction
            with QueryCounter(connection) as base_queries, transaction.atomic():
                started = time.perf_counter()
                for _ in range(N):
                    MinimalFlow.start.run()
                base_seconds = time.perf_counter() - started

            # The roll call's 调训通知 is queued to run after commit (a Celery task;
            # in-process here): time the processes and first tasks up to the commit, the
            # notice apart.
            with QueryCounter(connection) as queries:
                started = time.perf_counter()
                with transaction.atomic():
                    start_process_as(
                        RollCallFlow.start,
                        world.bob,
                        lambda klass=klass: services.roll_call_issue(
                            actor=world.bob,
                            training_class=klass,
                            mode="named",
                            response_deadline=timezone.now() + dt.timedelta(days=10),
                            cadres=cadres,
                        ),
                    )
                    seconds = time.perf_counter() - started
                notice_seconds = time.perf_counter() - started - seconds
            assert Dispatch.objects.filter(training_class=klass).count() == N
            rounds.append(
                {
                    "seconds": seconds,
                    "queries": queries.count,
                    "base_seconds": base_seconds,
                    "base_queries": base_queries.count,
                    "notice_seconds": notice_seconds,
                    "ratio": seconds / base_seconds,
                }
            )

        def median(key):
            return statistics.median(r[key] for r in rounds)

        ratios = sorted(r["ratio"] for r in rounds)
        print(
            json.dumps(
                {
                    "benchmark": "rollcall",
                    "database": connection.vendor,
                    "cadres": N,
                    "rounds": ROUNDS,
                    "rollcall_seconds_median": round(median("seconds"), 3),
                    "rollcall_queries": rounds[0]["queries"],
                    "baseline_seconds_median": round(median("base_seconds"), 3),
                    "baseline_queries": rounds[0]["base_queries"],
                    "ratio_median": round(statistics.median(ratios), 2),
                    "ratio_min": round(ratios[0], 2),
                    "ratio_max": round(ratios[-1], 2),
                    "dispatch_notice_seconds_after_commit_median": round(
                        median("notice_seconds"), 2
                    ),
                    # The first round's notice also starts the render processes, which
                    # the later rounds' notices find running (kept for the next document).
                    "dispatch_notice_seconds_after_commit_first": round(
                        rounds[0]["notice_seconds"], 2
                    ),
                    "goal_ratio": 1.0,  # issue 14: no slower than bare Viewflow
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
