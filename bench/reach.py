"""Benchmark: the jurisdiction filter of the task queues (`org.selectors.task_reach`)
against the former statement (a subquery per permission and grant table, kept as the
reference in tests/org/test_task_reach.py), in the same run: SQL length, SELECTs, the time
to build and compile the queue's query (median of ROUNDS), and the time to run it with
TASKS open tasks.

For a department head, a city dispatcher and a unit liaison of the test world. The new
filter reads the grants once a request (`grant_roots`, one query): "build" counts it
once per request, as a page does.

Prints JSON. Not a test: `python bench/reach.py [TASKS] [ROUNDS]`.
"""

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import django_test_db, teardown  # noqa: E402

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 50


def timed(function, rounds):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def main():
    connection, name = django_test_db()
    try:
        from django.db.models import Q
        from viewflow.workflow.models import Process, Task

        from dispatch.flows import DispatchFlow
        from org import reachcache
        from org.models import Unit
        from tests.factories import World
        from tests.flowtools import Staff
        from tests.org.test_task_reach import CODENAMES, legacy_task_reach
        from workflow.models import ScopedTask

        world = World()
        staff = Staff(world)
        process = Process.objects.create(flow_class=DispatchFlow)
        units = list(Unit.objects.values_list("pk", flat=True))
        Task.objects.bulk_create(
            [
                Task(
                    process=process,
                    flow_task=DispatchFlow.confirm,
                    flow_task_type="HUMAN",
                    status="NEW",
                    owner_permission=f"org.{CODENAMES[i % len(CODENAMES)]}",
                    owner_permission_obj_pk=str(units[i % len(units)]),
                )
                for i in range(TASKS)
            ],
            batch_size=1000,
        )

        def queue(user, condition):
            return ScopedTask.objects.filter(flow_task_type="HUMAN").filter(
                Q(owner=user) | condition
            )

        people = {"department_head": world.alice, "dispatcher": world.bob, "liaison": staff.lily}
        figures = {}
        for role, user in people.items():

            def build_new(user=user):
                with reachcache.scope():  # a request: the grants read once
                    from org.selectors import task_reach

                    return queue(user, task_reach(user)).query.sql_with_params()

            def build_old(user=user):
                return queue(user, legacy_task_reach(user)).query.sql_with_params()

            new_sql, old_sql = build_new()[0], build_old()[0]
            with reachcache.scope():
                from org.selectors import task_reach

                new_count = queue(user, task_reach(user)).count()
            old_count = queue(user, legacy_task_reach(user)).count()
            assert new_count == old_count, (role, new_count, old_count)

            def run_new(user=user):
                with reachcache.scope():
                    from org.selectors import task_reach

                    return queue(user, task_reach(user)).count()

            def run_old(user=user):
                return queue(user, legacy_task_reach(user)).count()

            figures[role] = {
                "tasks_in_reach": new_count,
                "sql_chars": len(new_sql),
                "selects": new_sql.upper().count("SELECT"),
                "build_ms": timed(build_new, ROUNDS),
                "count_ms": timed(run_new, max(3, ROUNDS // 10)),
                "former_sql_chars": len(old_sql),
                "former_selects": old_sql.upper().count("SELECT"),
                "former_build_ms": timed(build_old, ROUNDS),
                "former_count_ms": timed(run_old, max(3, ROUNDS // 10)),
            }
        head = figures["department_head"]
        print(
            json.dumps(
                {
                    "benchmark": "reach",
                    "database": connection.vendor,
                    "tasks": TASKS,
                    "rounds": ROUNDS,
                    **figures,
                    "build_ms": head["build_ms"],
                    "former_build_ms": head["former_build_ms"],
                    "build_ratio": round(head["build_ms"] / head["former_build_ms"], 3),
                    "sql_chars": head["sql_chars"],
                    "former_sql_chars": head["former_sql_chars"],
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
