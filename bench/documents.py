"""Benchmark: official documents. Not a test; prints one JSON object.

    .venv/bin/python bench/documents.py [--runs 15] [--bulk 1000] [--no-worker]

* `render`: median milliseconds per 2-page admission notice through the project's
  renderer (`notifications.documents.render.render_pdf`: cached font configuration and
  stylesheet) against bare WeasyPrint (`HTML(string=...).write_pdf()`, defaults) rendering
  the very same standalone HTML in the same run, interleaved; goal: ratio <= 1.2.
* `issue`: median milliseconds per `issue_document` (number, render, store, audit).
* `bulk_eager`: issuing `--bulk` notices through the Celery task, eagerly in-process.
* `bulk_worker`: the same through a Celery worker started here on Redis
  (redis://127.0.0.1:6379/0, a private queue), when Redis answers; stopped afterwards.

Everything runs against a throw-away SQLite database and media directory under /tmp
(set BENCH_DATABASE_URL to use, e.g., an empty PostgreSQL database instead).
"""

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="xundiao-bench-documents-"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.sqlite3"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = "xundiao-bench-documents"
os.environ.update(
    DATABASE_URL=DATABASE_URL,
    MEDIA_ROOT=str(TMP / "media"),
    DJANGO_SETTINGS_MODULE="config.settings",
    DEBUG="1",
)
os.environ.pop("CELERY_BROKER_URL", None)  # this process issues eagerly unless told

import django  # noqa: E402

django.setup()

import weasyprint  # noqa: E402
from django.core.management import call_command  # noqa: E402

from notifications.documents import render  # noqa: E402
from notifications.documents.samples import builtin_cadres, builtin_class, sample_issuer  # noqa: E402
from notifications.models import IssuedDocument  # noqa: E402
from notifications.services import issue_document  # noqa: E402
from notifications.tasks import issue_document_task  # noqa: E402


def median_ms(samples):
    return round(statistics.median(samples) * 1000, 1)


def notice_data(i: int) -> dict:
    """Task arguments for one 2-page admission notice (JSON-serialisable)."""
    tc = builtin_class()
    cadre = builtin_cadres(8)[i % 8]
    return {
        "issuer": {"name": "中共XX市委组织部", "code": "X组通", "seal": str(sample_issuer().seal)},
        "training_class": {
            "name": tc.name,
            "institution": tc.institution,
            "location": tc.location,
            "start_date": tc.start_date,
            "end_date": tc.end_date,
            "report_date": tc.report_date,
            "credit_hours": str(tc.credit_hours),
        },
        "trainee": {"name": cadre.name, "unit": cadre.unit, "position": cadre.position},
        "date": dt.date(2026, 3, 5),
    }


def notice_context(i: int = 0):
    from notifications.documents import builders
    from notifications.documents.context import Issuer

    data = notice_data(i)
    data["issuer"] = Issuer(**data["issuer"])
    return builders.admission_notice(**data)


def bench_render(runs: int) -> dict:
    context = notice_context()
    number = render.format_document_number("X组通", 2026, 12)
    html = render.render_html(context, document_number=number, inline_css=True)
    service_pdf = render.render_pdf(context, document_number=number)  # warm-up
    bare_pdf = weasyprint.HTML(string=html).write_pdf()
    service, bare = [], []
    for _ in range(runs):
        t = time.perf_counter()
        render.render_pdf(context, document_number=number)
        service.append(time.perf_counter() - t)
        t = time.perf_counter()
        weasyprint.HTML(string=html).write_pdf()
        bare.append(time.perf_counter() - t)
    return {
        "pages": service_pdf.pages,
        "pdf_bytes": len(service_pdf.data),
        "bare_pdf_bytes": len(bare_pdf),
        "runs": runs,
        "service_median_ms": median_ms(service),
        "bare_weasyprint_median_ms": median_ms(bare),
        "ratio": round(statistics.median(service) / statistics.median(bare), 3),
    }


def bench_issue(runs: int) -> dict:
    times = []
    for i in range(runs):
        context = notice_context(i)
        t = time.perf_counter()
        issue_document(actor=None, kind="admission_notice", context=context)
        times.append(time.perf_counter() - t)
    return {"runs": runs, "median_ms": median_ms(times)}


def bench_bulk_eager(count: int) -> dict:
    start = time.perf_counter()
    for i in range(count):
        issue_document_task.delay("admission_notice", notice_data(i))
    elapsed = time.perf_counter() - start
    return {
        "notices": count,
        "seconds": round(elapsed, 1),
        "per_second": round(count / elapsed, 2),
    }


def redis_reachable() -> bool:
    host, port = "127.0.0.1", 6379
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def bench_bulk_worker(count: int, concurrency: int, timeout: float) -> dict:
    from celery import Celery

    if not redis_reachable():
        return {"skipped": f"Redis not reachable at {REDIS_URL}"}
    env = dict(os.environ, CELERY_BROKER_URL=REDIS_URL)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            QUEUE,
            "-c",
            str(concurrency),
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(TMP / "worker.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    # A producer of our own on Redis: the project's app in this process stays eager.
    sender = Celery("xundiao-bench", broker=REDIS_URL)

    def send(i):
        sender.send_task(
            "notifications.issue_document", ("admission_notice", notice_data(i)), queue=QUEUE
        )

    try:
        before = IssuedDocument.objects.count()
        # Warm the worker (its font configuration) before timing.
        send(0)
        deadline = time.monotonic() + 60
        while IssuedDocument.objects.count() < before + 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        before = IssuedDocument.objects.count()
        start = time.perf_counter()
        for i in range(count):
            send(i)
        deadline = time.monotonic() + timeout
        done = 0
        while time.monotonic() < deadline:
            done = IssuedDocument.objects.count() - before
            if done >= count:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        result = {
            "notices": count,
            "completed": done,
            "concurrency": concurrency,
            "seconds": round(elapsed, 1),
            "per_second": round(done / elapsed, 2),
        }
        if done < count:
            result["timed_out_after_s"] = timeout
        return result
    finally:
        try:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        with sender.connection_for_write() as conn:
            conn.default_channel.queue_purge(QUEUE)


def check_numbers() -> dict:
    numbers = list(IssuedDocument.objects.order_by("number").values_list("number", flat=True))
    return {
        "issued": len(numbers),
        "gap_free": numbers == list(range(1, len(numbers) + 1)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--bulk", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--worker-timeout", type=float, default=1800)
    parser.add_argument("--no-worker", action="store_true")
    args = parser.parse_args()
    try:
        call_command("migrate", verbosity=0)
        result = {
            "database": DATABASE_URL.split(":", 1)[0],
            "cpus": os.cpu_count(),
            "weasyprint": weasyprint.__version__,
            "render": bench_render(args.runs),
            "issue": bench_issue(args.runs),
            "bulk_eager": bench_bulk_eager(args.bulk),
        }
        if not args.no_worker:
            result["bulk_worker"] = bench_bulk_worker(
                args.bulk, args.concurrency, args.worker_timeout
            )
        result["numbers"] = check_numbers()
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
