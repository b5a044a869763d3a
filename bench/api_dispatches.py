"""Benchmark: the API's dispatch list for a dispatcher with N dispatches in reach (goal:
≤ 150 ms median per page, queries flat in N).

Bob, the city dispatcher, reaches every dispatch: N cadres of unit A1 (set-based SQL)
each named once for one class (bulk-created dispatches, as the flows would leave them).
`GET /api/v1/dispatches/` is fetched through DRF's test client, signed in with a token,
ROUNDS times for the first page and for a deep page (the last one), 50 rows a page —
the deep page both by its number and by a keyset cursor (`deep_page_cursor`); median
server time and query count per page.

Prints JSON. Not a test: `python bench/api_dispatches.py [N ...] [--rounds 5]`
(DATABASE_URL picks the database; a throw-away test database is created and dropped).
"""

import argparse
import datetime as dt
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import QueryCounter, django_test_db, teardown  # noqa: E402

PAGE_SIZE = 50


class Rollback(Exception):
    pass


def add_dispatches(world, klass, count: int, offset: int):
    from django.db import connection
    from django.utils import timezone

    from bench.pages import add_cadres
    from dispatch.models import Dispatch

    pks = add_cadres(connection, world, count, offset)
    due = timezone.now() + dt.timedelta(days=10)
    for start in range(0, len(pks), 5000):
        Dispatch.objects.bulk_create(
            [
                Dispatch(training_class=klass, cadre_id=pk, unit=world.a1, confirm_due=due)
                for pk in pks[start : start + 5000]
            ],
            batch_size=1000,
        )


def cursor_before(offset: int) -> str:
    """The cursor of the rows after the first `offset` (newest first), as the list's
    `next` link would give it (`api.pagination.encode_cursor`)."""
    from urllib.parse import quote

    from api.pagination import encode_cursor
    from dispatch.models import Dispatch

    if offset == 0:
        return ""
    pk = Dispatch.objects.order_by("-pk").values_list("pk", flat=True)[offset - 1]
    return quote(encode_cursor("n", [pk]))


def measure(connection, client, url: str, rounds: int) -> dict:
    times, queries, status, rows = [], 0, None, 0
    for _ in range(rounds):
        with QueryCounter(connection) as counter:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        queries, status = counter.count, response.status_code
        rows = len(response.json().get("results", []))
    return {
        "ms_median": round(statistics.median(times) * 1000, 1),
        "queries": queries,
        "status": status,
        "rows": rows,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 100_000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    connection, name = django_test_db()
    stages = {}
    try:
        from django.db import transaction
        from rest_framework.test import APIClient

        from api.services import token_issue
        from tests.factories import World, training_class

        try:
            with transaction.atomic():
                world = World()
                klass = training_class(
                    world.city_od, world.school, dt.date.today() + dt.timedelta(days=40)
                )
                _token, key = token_issue(actor=None, user=world.bob, name="bench")
                client = APIClient()
                client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
                done = 0
                for size in sorted(args.sizes):
                    started = time.perf_counter()
                    add_dispatches(world, klass, size - done, offset=done)
                    done = size
                    # Fresh planner statistics, as a database that has been running has.
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
                    setup_seconds = time.perf_counter() - started
                    last = -(-size // PAGE_SIZE)
                    url = f"/api/v1/dispatches/?page_size={PAGE_SIZE}&page="
                    stages[str(size)] = {
                        "dispatches": size,
                        "setup_seconds": round(setup_seconds, 1),
                        "first_page": measure(connection, client, url + "1", args.rounds),
                        "deep_page": {
                            "page": last,
                            **measure(connection, client, url + str(last), args.rounds),
                        },
                        "filtered_first_page": measure(
                            connection, client, url + "1&status=named", args.rounds
                        ),
                        # The same last page reached by a keyset walk (`?cursor=`): its
                        # cursor is the one the page before would give as `next`.
                        "deep_page_cursor": {
                            "page": last,
                            **measure(
                                connection,
                                client,
                                f"/api/v1/dispatches/?page_size={PAGE_SIZE}&cursor="
                                + cursor_before(PAGE_SIZE * (last - 1)),
                                args.rounds,
                            ),
                        },
                    }
                raise Rollback
        except Rollback:
            pass
        sizes = sorted(args.sizes)
        small, large = stages[str(sizes[0])], stages[str(sizes[-1])]
        pages = ("first_page", "deep_page", "filtered_first_page")
        print(
            json.dumps(
                {
                    "benchmark": "api_dispatches",
                    "database": connection.vendor,
                    "sizes": sizes,
                    "rounds": args.rounds,
                    "page_size": PAGE_SIZE,
                    "stages": stages,
                    "largest_page_ms_median": max(large[p]["ms_median"] for p in pages),
                    "queries_flat": all(small[p]["queries"] == large[p]["queries"] for p in pages),
                    "peak_rss_mb": round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                    ),
                    "goal_page_ms": 150,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
