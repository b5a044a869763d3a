"""Benchmark: issue a named roll call of 1,000 cadres (roll call, 1,000 dispatches, their
processes and first tasks) against bare Viewflow starting 1,000 minimal processes.

Prints JSON. Not a test: run `python bench/rollcall.py` (DATABASE_URL picks the database).
"""

import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import QueryCounter, django_test_db, teardown  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


def main():
    connection, name = django_test_db()
    try:
        from django.db import transaction
        from django.utils import timezone

        from approvals.workflow import start_process_as
        from bench.baseline.flows import MinimalFlow
        from dispatch import services
        from dispatch.flows import RollCallFlow
        from dispatch.models import Cadre, Dispatch
        from tests.factories import World, cadre, training_class

        world = World()
        cadres = [cadre(f"干部{i}", world.a1, world.city_od) for i in range(N)]
        klass = training_class(
            world.city_od, world.school, dt.date.today() + dt.timedelta(days=60), quota=N
        )
        cadres = list(Cadre.objects.filter(pk__in=[c.pk for c in cadres]).select_related("unit"))

        # bare Viewflow: N minimal processes in one transaction
        with QueryCounter(connection) as base_queries, transaction.atomic():
            started = time.perf_counter()
            for _ in range(N):
                MinimalFlow.start.run()
            base_seconds = time.perf_counter() - started

        # The roll call's 调训通知 is queued to run after commit (a Celery task; in-process
        # here): time the processes and first tasks up to the commit, the notice apart.
        with QueryCounter(connection) as queries:
            started = time.perf_counter()
            with transaction.atomic():
                start_process_as(
                    RollCallFlow.start,
                    world.bob,
                    lambda: services.roll_call_issue(
                        actor=world.bob,
                        training_class=klass,
                        mode="named",
                        response_deadline=timezone.now() + dt.timedelta(days=10),
                        cadres=cadres,
                    ),
                )
                seconds = time.perf_counter() - started
            notice_seconds = time.perf_counter() - started - seconds
        assert Dispatch.objects.count() == N

        print(
            json.dumps(
                {
                    "benchmark": "rollcall",
                    "database": connection.vendor,
                    "cadres": N,
                    "rollcall_seconds": round(seconds, 3),
                    "rollcall_queries": queries.count,
                    "baseline_seconds": round(base_seconds, 3),
                    "baseline_queries": base_queries.count,
                    "ratio": round(seconds / base_seconds, 2),
                    "dispatch_notice_seconds_after_commit": round(notice_seconds, 2),
                    "goal_ratio": 2.0,
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
