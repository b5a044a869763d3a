"""Shared set-up for benchmarks: Django on a throw-away test database.

Run a benchmark as `python bench/<name>.py`; with DATABASE_URL set it runs on that
server (a `test_…` database is created and dropped), otherwise on SQLite.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_test_db():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench.baseline"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import django

    django.setup()
    from django.db import connection

    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return connection, name


def teardown(connection, name):
    connection.creation.destroy_test_db(name, verbosity=0)


class QueryCounter:
    """Counts every statement sent (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self, connection):
        self.connection = connection
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = self.connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def series_sql(connection, n: int) -> str:
    """A FROM clause yielding integers i = 0..n-1, on PostgreSQL or SQLite."""
    if connection.vendor == "postgresql":
        return f"FROM generate_series(0, {n - 1}) AS s(i)"
    return (
        f"FROM (WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n - 1}) "
        "SELECT i FROM s)"
    )


def id_number_sql(connection, expr: str) -> str:
    """SQL for a valid 18-character ID number from the integer `expr`: '9', the number in
    16 digits, and its GB 11643 check character (the database checks it)."""
    from org.idnumber import CHECK_CHARS, WEIGHTS

    first17 = f"('9' || {lpad(connection, expr, 16)})"
    total = " + ".join(
        f"CAST(substr({first17}, {k + 1}, 1) AS INTEGER) * {w}" for k, w in enumerate(WEIGHTS)
    )
    return f"{first17} || substr('{CHECK_CHARS}', (({total}) % 11) + 1, 1)"


def lpad(connection, expr: str, width: int) -> str:
    if connection.vendor == "postgresql":
        return f"lpad(CAST({expr} AS TEXT), {width}, '0')"
    return f"substr('{'0' * width}' || {expr}, -{width}, {width})"


def measure_page(connection, client, url: str, rounds: int) -> dict:
    """`url` fetched `rounds` times through a test `client`: the median server time, and
    the last answer's size, query count and status."""
    times, size, queries, status = [], 0, 0, None
    for _ in range(rounds):
        with QueryCounter(connection) as counter:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        size, queries, status = len(response.content), counter.count, response.status_code
    return {
        "ms_median": round(statistics.median(times) * 1000, 1),
        "kb": round(size / 1024, 1),
        "queries": queries,
        "status": status,
    }
