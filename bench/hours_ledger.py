"""Benchmark: the hours ledger page (/hours/) and its download with 100,000 cadres and
1,000,000 hour records, for the city's dispatcher whose jurisdiction holds all of them
(goal: a page ≤ 500 ms on SQLite and PostgreSQL, its query count flat).

Pages measured through Django's test client (best of three): page 1 unfiltered, the last
page served (100), one unit's page 1, a name search, and one year of one kind. The download
measured: .csv of one unit for one year (≈ 110,000 records), streamed, with the peak of
this process's memory before and after.

Prints JSON. Not a test: `python bench/hours_ledger.py [cadres] [records]`; DATABASE_URL
picks the database (a throw-away test database is created and dropped).
"""

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compliance import load  # noqa: E402
from bench.setup import QueryCounter, django_test_db, teardown  # noqa: E402

PAGES = {
    "page_1": "",
    "last_served_page_100": "?page=100",
    "unit_page_1": "?unit={a1}",
    "name_search": "?q=C12345",
    "year_and_kind": "?since=2024-01-01&until=2024-12-31&kind=online",
}


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def pages(world) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(world.bob)
    figures = {}
    for key, query in PAGES.items():
        best = None
        for _ in range(3):
            with QueryCounter(connection) as queries:
                started = time.perf_counter()
                response = client.get("/hours/" + query.format(a1=world.a1.pk))
                seconds = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            best = seconds if best is None else min(best, seconds)
        figures[key] = {
            "seconds": round(best, 3),
            "queries": queries.count,
            "rows": len(response.context["page"].object_list),
            "total": response.context["totals"]["rows"],
        }
    return figures


def download(world) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(world.bob)
    before = _peak_mb()
    started = time.perf_counter()
    response = client.get(
        f"/hours/?unit={world.a1.pk}&since=2024-01-01&until=2024-12-31&format=csv"
    )
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "rows": lines - 1,
        "megabytes": round(size / 2**20, 1),
        "peak_mb_before": before,
        "peak_mb_after": _peak_mb(),
    }


def main():
    connection, name = django_test_db()
    try:
        from django.test.utils import setup_test_environment

        from tests.factories import World

        setup_test_environment()
        world = World()
        started = time.perf_counter()
        load(connection, world)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        load_seconds = time.perf_counter() - started
        figures = {
            "benchmark": "hours_ledger",
            "database": connection.vendor,
            "load_seconds": round(load_seconds, 1),
            "pages": pages(world),
            "download_csv": download(world),
        }
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
