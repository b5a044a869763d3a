"""Requests racing one another, as a busy morning brings them: each call in a thread of its
own with its own database connection, released together by a barrier. Only PostgreSQL
runs such races (SQLite serialises every writer and has no row locks)."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test import Client

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races need PostgreSQL's row locks; SQLite serialises every writer",
)


def together(*calls):
    """Run each call in its own thread (its own connection), all released at once by a
    barrier; each call's ("ok", result) or ("error", exception), in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=60)
            outcomes[index] = ("ok", call())
        except BaseException as exc:  # reported to the test
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@contextmanager
def held(work, *, then=None, seconds: float = 1.0):
    """Run `work()` in a thread of its own (its own connection) inside a transaction that
    stays open `seconds` more — holding whatever `work` locked — then runs `then()` (if
    given) and commits. The block runs once `work` has run; on leaving, the thread is
    waited for. Yields {"error": the exception} or {"result": what `work` returned}."""
    ready, outcome = threading.Event(), {}

    def run():
        try:
            with transaction.atomic():
                outcome["result"] = work()
                ready.set()
                time.sleep(seconds)
                if then is not None:
                    then()
        except BaseException as exc:  # reported to the test
            outcome["error"] = exc
        finally:
            ready.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert ready.wait(timeout=30)
        yield outcome
    finally:
        thread.join(timeout=60)
    assert not thread.is_alive()


def responses(outcomes):
    """The responses, once no request raised (a raised exception would have been a 500)."""
    errors = [value for kind, value in outcomes if kind == "error"]
    assert not errors, errors
    return [value for _kind, value in outcomes]


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client
