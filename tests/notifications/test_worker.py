"""A real Celery worker on the machine's Redis delivers notifications queued after commit,
and a duplicated task sends nothing twice.

Runs on both legs. The worker process needs to see this test's database: on PostgreSQL
it is the test database; on SQLite (whose test database lives in this process's memory)
the `shared_database` fixture copies the migrated test database into a file and points
this process's connection at it for the test, and the worker gets that file as its
DATABASE_URL. Skipped, with the reason, only when Redis is not reachable at
127.0.0.1:6379. Bounded to 60 s; the worker is always stopped."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from notifications import services
from notifications.models import Delivery, Event
from notifications.tasks import deliver_task

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """A database this process and a worker process both see. On SQLite: a file copy of
    the (migrated, empty) in-memory test database, used by this process's connection for
    the test; the in-memory one is put back afterwards and flushed as usual."""
    if connection.vendor != "sqlite":
        yield
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")  # the worker writes while this test polls
    in_memory, name = connection.connection, connection.settings_dict["NAME"]
    connection.connection = None  # close() would keep an in-memory connection open
    connection.settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = in_memory


def wait_for(condition, deadline, what):
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}.")


def messages_in(maildir: Path) -> list[str]:
    return [
        part
        for f in sorted(maildir.glob("*.log"))
        for part in f.read_text(errors="replace").split("\n" + "-" * 79 + "\n")
        if "Subject:" in part
    ]


@pytest.fixture
def redis():
    if not redis_reachable():
        pytest.skip(
            f"Real-worker test needs Redis at {REDIS_URL}: not reachable (start redis-server "
            "to run it; everything else runs without it)."
        )


def test_a_real_worker_delivers_once_through_redis(redis, shared_database, settings, tmp_path):

    queue = f"xundiao-test-notifications-{uuid.uuid4().hex[:8]}"  # private: no stray workers
    maildir = tmp_path / "mail"
    log = tmp_path / "worker.log"
    env = dict(
        os.environ,
        CELERY_BROKER_URL=REDIS_URL,
        DATABASE_URL=database_url(),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(maildir),
        NOTIFICATIONS_QUEUE=queue,
    )
    deadline = time.monotonic() + 60
    with open(log, "w") as log_file:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queue,
                "-P",
                "solo",  # one task at a time, in the order queued
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    settings.NOTIFICATIONS_QUEUE = queue
    conf.broker_url, conf.task_always_eager = REDIS_URL, False  # this process now queues
    forget_connections()
    try:
        assert celery_app.connection_for_write().as_uri().startswith("redis://")
        User = get_user_model()
        wang = User.objects.create_user(username="wang", email="wang@example.org")
        li = User.objects.create_user(username="li", email="li@example.org")

        with transaction.atomic():  # delivery is queued when this commits
            services.notify(
                event=Event.REMINDER,
                recipients=[wang],
                key="worker:1",
                context={"subject": "签收调训通知"},
            )
        first = Delivery.objects.get(notification__key="worker:1")
        wait_for(
            lambda: Delivery.objects.filter(pk=first.pk, status="sent").exists(),
            deadline,
            f"the worker to send the first e-mail (log: {log.read_text()[-2000:]})",
        )

        # The broker delivers the same task again (a retry): nothing is sent twice. The
        # solo worker runs tasks in order, so once the next one is sent this one is done.
        deliver_task.apply_async(([first.pk],), queue=queue)
        with transaction.atomic():
            services.notify(
                event=Event.REMINDER, recipients=[li], key="worker:2", context={"subject": "X"}
            )
        wait_for(
            lambda: Delivery.objects.filter(notification__key="worker:2", status="sent").exists(),
            deadline,
            "the worker to send the second e-mail",
        )
        messages = messages_in(maildir)
        assert len(messages) == 2
        assert sum("To: wang@example.org" in m for m in messages) == 1
        first.refresh_from_db()
        assert first.attempts == 1
    finally:
        try:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        try:
            with celery_app.connection_for_write() as conn:
                conn.default_channel.queue_delete(queue)
        except Exception:  # pragma: no cover - best effort clean-up of the private queue
            pass
        conf.broker_url, conf.task_always_eager = saved
        forget_connections()  # the rest of the suite runs eagerly again


def forget_connections():
    """Drop every pooled broker connection, so the next task uses the broker configured
    now. kombu keeps its pools in global registries keyed by broker URL: closing the app's
    pool alone would leave a closed pool there, and the next eager task (which acquires a
    producer too) would fail with "Acquire on closed pool"."""
    kombu_pools.reset()  # closes and forgets every pool
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None
