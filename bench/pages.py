"""Benchmark: the list pages with N open tasks in reach (goal: ≤ 150 ms median, ≤ 200 KB,
queries flat in N; the home page ≤ 80 ms).

A unit liaison (lily, liaison of unit A) has N open confirmation tasks in her queue: named
roll calls of cadres of unit A1 start one DispatchFlow each, whose confirmation task is the
liaison's. Her pages: the home page (我的待办), /tasks/, Viewflow's dispatch queue, inbox
and task list, her notification inbox (N notices). The city dispatcher's pages: the
latest roll call and its acknowledgements, the overdue list (every dispatch past its
confirmation due), the dispatch process list, the documents. Each page is fetched through
Django's test client ROUNDS times (median server time), with its size and query count.

Stages: N = 100, then more cadres named in a second roll call until N = 10,000 (the roll
call pages show that stage's roll call: 100, then 9,900 dispatches). Everything runs in
one transaction that is rolled back, so the roll calls' 调训通知 (queued after commit)
never render; the notices of the inbox are written directly.

Prints JSON. Not a test: `python bench/pages.py [N ...] [--rounds 5]` (DATABASE_URL picks
the database; a throw-away test database is created and dropped).
"""

import argparse
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import (  # noqa: E402
    django_test_db,
    id_number_sql,
    measure_page,
    series_sql,
    teardown,
)

LIAISON_PAGES = {
    "home": "/",
    "my_tasks": "/tasks/",
    "viewflow_queue": "/workflow/dispatch/queue/",
    "viewflow_inbox": "/workflow/dispatch/inbox/",
    "viewflow_tasks": "/workflow/dispatch/tasks/",
    "notification_inbox": "/inbox/",
}
DISPATCHER_PAGES = {
    "roll_call": "/rollcalls/{rollcall}/",
    "roll_call_acknowledgements": "/rollcalls/{rollcall}/acknowledgements/",
    "overdue": "/dispatches/overdue/",
    "viewflow_processes": "/workflow/dispatch/flows/",
    "documents": "/documents/",
    "dispatcher_home": "/",
}


class Rollback(Exception):
    pass


def add_cadres(connection, world, count: int, offset: int) -> list[int]:
    """`count` cadres of unit A1 managed by the city, written with set-based SQL."""
    from org.models import Cadre

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Cadre._meta.db_table} (name, gender, id_number, unit_id, position, rank, "
            "category, is_leadership_member, is_young_cadre, managing_org_department_id) "
            f"SELECT 'P' || (i + {offset}), 'M', {id_number_sql(connection, f'(i + {offset})')}, "
            f"{world.a1.pk}, '科员', '', 'civil_servant', false, false, {world.city_od.pk} "
            f"{series_sql(connection, count)}"
        )
    return list(
        Cadre.objects.filter(name__startswith="P", unit=world.a1)
        .order_by("-pk")
        .values_list("pk", flat=True)[:count]
    )


def name_cadres(world, cadre_pks: list[int], start: dt.date):
    from django.utils import timezone

    from dispatch import services
    from dispatch.flows import RollCallFlow
    from org.models import Cadre
    from tests.factories import training_class
    from workflow.runtime import start_process_as

    klass = training_class(world.city_od, world.school, start, quota=len(cadre_pks))
    cadres = list(Cadre.objects.filter(pk__in=cadre_pks).select_related("unit"))
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
    from dispatch.models import RollCall

    return RollCall.objects.filter(training_class=klass).get()


def add_notices(person, count: int, offset: int):
    from notifications.models import Notification

    Notification.objects.bulk_create(
        [
            Notification(
                key=f"bench-{offset + i}",
                recipient=person,
                event="dispatch_named",
                title=f"调训通知 {offset + i}",
                body="请按时参训。",
            )
            for i in range(count)
        ],
        batch_size=500,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 10_000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    connection, name = django_test_db()
    stages = {}
    try:
        from django.db import transaction
        from django.test import Client
        from django.utils import timezone

        from dispatch.models import Dispatch
        from tests.factories import World, user
        from tests.flowtools import Staff

        try:
            with transaction.atomic():
                world = World()
                staff = Staff(world)
                user("bench.viewer")  # nothing in reach: the pages' floor
                liaison, dispatcher = Client(), Client()
                liaison.force_login(staff.lily)
                dispatcher.force_login(world.bob)
                open_tasks = 0
                for stage, size in enumerate(sorted(args.sizes)):
                    count = size - open_tasks
                    started = time.perf_counter()
                    pks = add_cadres(connection, world, count, offset=open_tasks)
                    rollcall = name_cadres(
                        world, pks, dt.date.today() + dt.timedelta(days=40 + 30 * stage)
                    )
                    add_notices(staff.lily, count, offset=open_tasks)
                    # every dispatch past its confirmation due: the overdue list holds them
                    Dispatch.objects.update(confirm_due=timezone.now() - dt.timedelta(hours=1))
                    open_tasks = size
                    if connection.vendor == "postgresql":
                        # statistics, as autovacuum would gather them after such a load
                        with connection.cursor() as cursor:
                            cursor.execute("ANALYZE")
                    setup_seconds = time.perf_counter() - started
                    pages = {}
                    for key, url in LIAISON_PAGES.items():
                        pages[key] = measure_page(connection, liaison, url, args.rounds)
                    for key, url in DISPATCHER_PAGES.items():
                        url = url.format(rollcall=rollcall.pk)
                        pages[key] = measure_page(connection, dispatcher, url, args.rounds)
                    stages[str(size)] = {
                        "open_tasks": size,
                        "roll_call_dispatches": count,
                        "setup_seconds": round(setup_seconds, 1),
                        "pages": pages,
                    }
                raise Rollback
        except Rollback:
            pass
        sizes = sorted(args.sizes)
        small, large = stages[str(sizes[0])]["pages"], stages[str(sizes[-1])]["pages"]
        lists = [k for k in large if k not in ("home", "dispatcher_home")]
        print(
            json.dumps(
                {
                    "benchmark": "pages",
                    "database": connection.vendor,
                    "sizes": sizes,
                    "rounds": args.rounds,
                    "stages": stages,
                    "largest_list_ms_median": max(large[k]["ms_median"] for k in lists),
                    "largest_list_kb": max(large[k]["kb"] for k in lists),
                    "home_ms_median": large["home"]["ms_median"],
                    "queries_flat": all(small[k]["queries"] == large[k]["queries"] for k in large),
                    "queries_grow": sorted(
                        k for k in large if large[k]["queries"] != small[k]["queries"]
                    ),
                    "peak_rss_mb": round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                    ),
                    "goal_list_ms": 150,
                    "goal_list_kb": 200,
                    "goal_home_ms": 80,
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
