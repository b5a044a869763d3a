"""Benchmark: the cadre list downloaded as .xlsx (and .csv) with 100,000 cadres in the
dispatcher's jurisdiction (goal ≤ 20 s, memory flat: the rows are streamed).

Through Django's test client as the city dispatcher: `/cadres/?format=xlsx`, first
filtered to one unit holding a tenth of the cadres, then all of them, so the memory
figures of 10,000 and 100,000 rows can be compared. A thread samples the process's
resident memory (RSS) every 20 ms; each export reports the RSS before it, the peak
during it (including reading the response through), and the RSS after it. The file is
read back (openpyxl, read-only) to check its row count.

Prints JSON. Not a test: `python bench/export_cadres.py [cadres]`; DATABASE_URL picks the
database (a throw-away test database is created and dropped).
"""

import json
import os
import sys
import tempfile
import threading
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
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


class PeakRSS:
    """The highest RSS seen while the block runs (sampled every 20 ms)."""

    def __enter__(self):
        self.before = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.after = rss_mb()
        self.peak = max(self.peak, self.after)


def load(connection, world):
    """100,000 cadres with set-based SQL: a tenth in 综合科 (A1), the rest spread over
    A and B, each with a name, a position and a managing department."""
    units = [world.a1.pk, world.a.pk, world.b.pk]
    unit_expr = (
        f"CASE WHEN i % 10 = 0 THEN {units[0]} WHEN i % 2 = 0 THEN {units[1]} ELSE {units[2]} END"
    )
    od_expr = (
        f"CASE WHEN i % 10 <> 0 AND i % 2 = 1 THEN {world.county_od.pk} ELSE {world.city_od.pk} END"
    )
    from org.models import Cadre

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Cadre._meta.db_table} (name, gender, id_number, unit_id, position, rank, category, "
            "is_leadership_member, is_young_cadre, managing_org_department_id) "
            f"SELECT '干部' || i, 'M', {id_number_sql(connection, 'i')}, {unit_expr}, "
            "'科员' || (i % 100), '一级主任科员', 'civil_servant', false, false, "
            f"{od_expr} {series_sql(connection, CADRES)}"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def export(client, connection, url) -> dict:
    with QueryCounter(connection) as queries, PeakRSS() as memory:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        # Read through to a file, as a browser would: the bench keeps no copy in memory.
        body = tempfile.TemporaryFile()
        for chunk in response.streaming_content:
            body.write(chunk)
        response.close()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "queries": queries.count,
        "bytes": body.tell(),
        "rss_before_mb": round(memory.before, 1),
        "rss_peak_mb": round(memory.peak, 1),
        "rss_after_mb": round(memory.after, 1),
        "rss_growth_mb": round(memory.peak - memory.before, 1),
        "_body": body,
    }


def xlsx_rows(body) -> int:
    import openpyxl

    body.seek(0)
    workbook = openpyxl.load_workbook(body, read_only=True)
    return sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) - 1


def main():
    connection, name = django_test_db()
    try:
        from django.test import Client
        from django.test.utils import setup_test_environment

        from tests.factories import World

        setup_test_environment()
        world = World()
        started = time.perf_counter()
        load(connection, world)
        load_seconds = time.perf_counter() - started
        client = Client()
        client.force_login(world.bob)
        figures = {}
        for key, url in (
            ("xlsx_tenth", f"/cadres/?unit={world.a1.pk}&format=xlsx"),
            ("xlsx", "/cadres/?format=xlsx"),
            ("csv", "/cadres/?format=csv"),
        ):
            result = export(client, connection, url)
            body = result.pop("_body")
            if key.startswith("xlsx"):
                result["rows"] = xlsx_rows(body)
            else:
                body.seek(0)
                result["rows"] = sum(1 for _ in body) - 1
            figures[key] = result
            body.close()
        print(
            json.dumps(
                {
                    "benchmark": "export_cadres",
                    "database": connection.vendor,
                    "cadres": CADRES,
                    **figures,
                    "load_seconds": round(load_seconds, 1),
                    "goal_seconds": 20,
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
