"""Benchmark: a roll call's 调训通知 (附件1 listing every named cadre) for N cadres, issued
through the service (`dispatch.documents.issue_dispatch_notice`: number, render, store,
audit) as the announcement does after commit. Not a test; prints one JSON object.

    .venv/bin/python bench/dispatch_notice.py [N ...]      # default: 1000 10000

Each N runs in a child process of its own on a throw-away database (DATABASE_URL picks
it, see bench/setup.py) and media directory, so that its peak RSS is its own: the
cadres are inserted with set-based SQL over 13 units (some names long enough to wrap),
then the notice is issued once and timed. Goals (issue 14): 1,000 cadres ≤ 3 s,
10,000 cadres ≤ 20 s and ≤ 300 MB.

`former_1000` is the baseline in the same run: the 1,000-cadre notice rendered the way it
was before the parts (one WeasyPrint pass, the garbage collector running).
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOALS = {1000: (3.0, None), 10000: (20.0, 300.0)}  # seconds, peak MB


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def one(n: int, former: bool = False) -> dict:
    """Issue the notice of an n-cadre roll call in this process; its figures. `former`:
    in one pass with the garbage collector running, as before the parts."""
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="xundiao-bench-notice-")
    from bench.setup import django_test_db, id_number_sql, series_sql, teardown

    connection, name = django_test_db()
    try:
        if former:
            import contextlib
            import types

            from notifications.documents import chunked, render

            chunked.CHUNK_ROWS = 10**9
            render.collector = types.SimpleNamespace(paused=lambda **_: contextlib.nullcontext())

        import datetime as dt

        from django.conf import settings
        from django.db import transaction
        from django.utils import timezone

        from dispatch.documents import issue_dispatch_notice
        from dispatch.models import Dispatch, RollCall
        from notifications.documents.samples import SAMPLE_UNITS
        from org.models import Cadre
        from tests.factories import World, training_class, unit

        world = World()
        units = [unit(name, world.a).pk for name in SAMPLE_UNITS]
        unit_expr = "CASE " + " ".join(
            f"WHEN i % {len(units)} = {k} THEN {pk}" for k, pk in enumerate(units)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Cadre._meta.db_table} (name, gender, id_number, unit_id, "
                "position, rank, category, is_leadership_member, is_young_cadre, "
                "managing_org_department_id) "
                f"SELECT '干部' || i, 'M', {id_number_sql(connection, 'i')}, {unit_expr} END, "
                "'副处长', '', 'civil_servant', false, false, "
                f"{world.city_od.pk} {series_sql(connection, n)}"
            )
        klass = training_class(
            world.city_od, world.school, dt.date.today() + dt.timedelta(days=60), quota=n
        )
        roll_call = RollCall.objects.create(
            training_class=klass,
            org_department=world.city_od,
            mode="named",
            response_deadline=timezone.now() + dt.timedelta(days=10),
            created_by=world.bob,
        )
        cadres = Cadre.objects.filter(unit_id__in=units).select_related("unit")
        # The notice reads each dispatch's cadre only: the dispatches stay unsaved.
        dispatches = [Dispatch(training_class=klass, cadre=c, unit=c.unit) for c in cadres]
        assert len(dispatches) == n
        before = rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        with transaction.atomic():
            document = issue_dispatch_notice(roll_call, dispatches)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        # The render processes are kept for a next document: stop them, so that their
        # peak and CPU time are counted below.
        from notifications.documents import processes

        processes.stop_kept()
        return {
            "cadres": n,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu_seconds, 2),
            "pages": document.pages,
            "bytes": document.size,
            "rss_before_mb": round(before, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            # The largest render process's peak (notifications/documents/parallel.py), 0 when
            # the parts were rendered in this process.
            "render_process_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
            ),
            "render_processes": settings.XUNDIAO_RENDER_PROCESSES,
            "render_processes_cpu_seconds": round(
                (children := resource.getrusage(resource.RUSAGE_CHILDREN)).ru_utime
                + children.ru_stime,
                2,
            ),
        }
    finally:
        teardown(connection, name)


def main(argv):
    if argv[:1] == ["--one"]:
        print(json.dumps(one(int(argv[1]), former="--former" in argv)))
        return
    sizes = [int(a) for a in argv] or [1000, 10000]
    notices = {}
    for n in sizes:
        notices[str(n)] = child(n)
    former = child(1000, "--former")
    print(
        json.dumps(
            {
                "benchmark": "dispatch_notice",
                "database": os.environ.get("DATABASE_URL", "sqlite").split(":")[0],
                "notices": notices,
                "former_1000": former,
            },
            ensure_ascii=False,
        )
    )


def child(n: int, *flags) -> dict:
    """Run `one(n)` in a child process: its JSON, with the load average and the goals."""
    load = os.getloadavg()[0]
    process = subprocess.run(
        [sys.executable, __file__, "--one", str(n), *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(process.stdout.strip().splitlines()[-1])
    seconds_goal, memory_goal = GOALS.get(n, (None, None))
    data.update(
        load_average=round((load + os.getloadavg()[0]) / 2, 2),
        goal_seconds=seconds_goal,
        goal_peak_rss_mb=memory_goal,
    )
    return data


if __name__ == "__main__":
    main(sys.argv[1:])
