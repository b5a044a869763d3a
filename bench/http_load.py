"""Benchmark: over HTTP, gunicorn with 4 workers on 127.0.0.1 (DEBUG=0), 4 concurrent
clients — a department head's home page (goal ≥ 100 requests/s, p95 ≤ 100 ms), a
decision (the head approving a leave request's step), and the login page as a baseline.

Set-up (untimed): a throw-away database (SQLite file, or `test_…` on the server of
DATABASE_URL) with the test world; the city dispatcher names DECISIONS cadres of unit A,
the unit's liaison asks leave for each (so department head alice has DECISIONS approval
steps) and alice claims them, all through Django's test client. Then gunicorn serves the
database and a plain Python client (threads, keep-alive where the server allows it) loads
it, phase by phase, each bounded in time (≤ 60 s in all): the login page, alice's home
page (then once more from a single client: its latency without queueing), then alice's
decisions (one POST each, until they run out or the phase ends).

Prints JSON. Not a test: `python bench/http_load.py [--seconds 15] [--decisions 100]
[--workers 4] [--clients 4]`. (Not named http.py: a script's folder comes first on
sys.path, so bench/http.py would stand in for the standard library's `http` package in
every benchmark here — Django imports `http.cookies`.)
"""

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def throwaway_database():
    """A test database that other processes can open: a file on SQLite."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tempfile.mkdtemp(prefix="xundiao-http-")
        database.setdefault("TEST", {})["NAME"] = str(Path(folder) / "bench.sqlite3")
    import django

    django.setup()
    from django.db import connection

    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return connection, name


def database_url(connection, name: str) -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}/{name}"


def seed(decisions: int):
    """The world; `decisions` head_review steps assigned to alice. Returns the session
    cookie of alice and the decision URLs."""
    import datetime as dt

    from django.test import Client
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from approvals.models import ApprovalRequest
    from dispatch.models import Dispatch
    from tests.factories import World, cadre, training_class
    from tests.flowtools import Staff, issue_roll_call, open_task, process_of, request, task_url

    world = World()
    staff = Staff(world)
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=40), quota=decisions
    )
    people = [cadre(f"请假{i}", world.a, world.city_od) for i in range(decisions)]
    client = Client()
    issue_roll_call(client, world, klass, people)
    for dispatch in Dispatch.objects.filter(training_class=klass):
        response = request(client, staff.lily, process_of(dispatch, "DispatchFlow"), "leave")
        assert response.status_code == 302, response.status_code
    client.force_login(world.alice)
    urls = []
    for approval in ApprovalRequest.objects.all():
        task = open_task(process_of(approval, "ApprovalFlow"), "head_review")
        assert client.post(task_url(task, "assign")).status_code == 302
        urls.append(task_url(task, "execute"))
    assert Task.objects.filter(status=STATUS.ASSIGNED, owner=world.alice).count() == decisions
    head = Client()
    head.force_login(world.alice)
    return head.cookies["sessionid"].value, urls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, secret_key: str):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": secret_key,  # the seed's: its session signatures hold
        "XUNDIAO_PLAIN_HTTP": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not answer in 60 s")


def load(port, clients, seconds, make_request):
    """`clients` threads, each with its own connection, send `make_request()` (method,
    path, body, headers, expected status; None when there is no more work) until
    `seconds` pass. Returns the figures."""
    latencies, errors, lock = [], [0], threading.Lock()
    failures: dict[str, int] = {}
    stop_at = time.monotonic() + seconds

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            job = make_request()
            if job is None:
                break
            method, path, body, headers, expected = job
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                # a redirect to the login page or back to the form itself (someone else
                # held the lock: "该事项正在由他人办理") is not an answer
                location = response.getheader("Location") or ""
                ok = (
                    response.status == expected
                    and "/accounts/login/" not in location
                    and not location.endswith(path)
                )
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                why = f"{response.status} back to the form" if location.endswith(path) else None
                if why is None and "/accounts/login/" in location:
                    why = f"{response.status} to the login page"
                why = why or str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                ok, why = False, type(exc).__name__
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
                    failures[why] = failures.get(why, 0) + 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()

    def quantile(q):
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1)

    return {
        "requests": len(latencies),
        "errors": errors[0],
        "failures": failures,
        "seconds": round(wall, 1),
        "requests_per_second": round(len(latencies) / wall, 1) if wall else 0,
        "p50_ms": quantile(0.5) if latencies else None,
        "p95_ms": quantile(0.95) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="per phase (3 phases)")
    parser.add_argument("--decisions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    seconds = min(args.seconds, 20)  # three phases, at most 60 s of load in all
    connection, name = throwaway_database()
    server = None
    try:
        started = time.perf_counter()
        session, decision_urls = seed(args.decisions)
        setup_seconds = time.perf_counter() - started
        connection.close()  # the server's workers open their own
        port = free_port()
        from django.conf import settings

        server = start_gunicorn(
            database_url(connection, name), port, args.workers, settings.SECRET_KEY
        )
        csrf = secrets.token_hex(16)  # a 32-character secret: cookie and field agree
        cookies = f"sessionid={session}; csrftoken={csrf}"

        def login_page():
            return "GET", "/accounts/login/", None, {}, 200

        def home():
            return "GET", "/", None, {"Cookie": cookies}, 200

        pending = list(reversed(decision_urls))
        pending_lock = threading.Lock()

        def decision():
            with pending_lock:
                if not pending:
                    return None
                url = pending.pop()
            body = f"decision=approved&comment=&csrfmiddlewaretoken={csrf}"
            headers = {
                "Cookie": cookies,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{port}{url}",
            }
            return "POST", url, body, headers, 302

        load(port, args.clients, 2, home)  # warm every worker up (imports, caches)
        figures = {
            "login_page": load(port, args.clients, seconds, login_page),
            "head_home": load(port, args.clients, seconds, home),
            # one client, one request at a time: the page's own latency, no queueing
            "head_home_one_client": load(port, 1, min(seconds, 10), home),
            "decision": load(port, args.clients, seconds, decision),
        }
        from approvals.models import ApprovalStep, Decision

        figures["decision"]["steps_decided"] = ApprovalStep.objects.filter(
            decision=Decision.APPROVED
        ).count()
        print(
            json.dumps(
                {
                    "benchmark": "http",
                    "database": connection.vendor,
                    "server": f"gunicorn {args.workers} workers, DEBUG=0",
                    "clients": args.clients,
                    "seconds_per_phase": seconds,
                    "setup_seconds": round(setup_seconds, 1),
                    **figures,
                    "home_requests_per_second": figures["head_home"]["requests_per_second"],
                    "home_p95_ms": figures["head_home"]["p95_ms"],
                    "home_one_client_p50_ms": figures["head_home_one_client"]["p50_ms"],
                    "login_requests_per_second": figures["login_page"]["requests_per_second"],
                    "decision_requests_per_second": figures["decision"]["requests_per_second"],
                    "decision_p95_ms": figures["decision"]["p95_ms"],
                    "goal_home_requests_per_second": 100,
                    "goal_home_p95_ms": 100,
                },
                ensure_ascii=False,
            )
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
