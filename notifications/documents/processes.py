"""Render processes (`part_worker`) for the parts of a long document, kept between
documents.

`Workers` starts `count` processes, each fed from one queue of parts by a thread of its own;
`acquire` hands out the set kept from the last document when it is still alive and idle
(the processes' start — Python, WeasyPrint, the fonts — is about a second of CPU each), or
starts one; `release` keeps it for the next document and stops it after `IDLE_SECONDS`
unused. A set belongs to the process that started it: a forked child (a Celery pool
process) starts its own.
"""

from __future__ import annotations

import atexit
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field

from notifications.documents.part_worker import receive, send

WORKER_MODULE = "notifications.documents.part_worker"
IDLE_SECONDS = 120.0
PART_SECONDS = 600.0  # a part not answered by then: the render processes are given up


def python() -> str:
    """The Python interpreter to start render processes with: this one, unless this
    process is not a Python executable (an embedding server such as uWSGI)."""
    name = os.path.basename(sys.executable or "")
    if not name.startswith("python"):
        raise OSError(f"{sys.executable!r} is not a Python interpreter")
    return sys.executable


class RenderProcessError(RuntimeError):
    """A render process could not be started, died, or failed a part."""


class Workers:
    """`count` render processes, each fed from one queue of parts by a thread of its own."""

    key: tuple = ()
    timer: threading.Timer | None = None
    broken = False  # a part failed or went unanswered: not kept for the next document

    def __init__(self, count: int, css: str):
        executable = python()
        self.jobs: queue.Queue = queue.Queue()
        self.processes = []
        self.threads = []
        for _ in range(count):
            process = subprocess.Popen(
                [executable, "-m", WORKER_MODULE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            self.processes.append(process)
            thread = threading.Thread(target=self._serve, args=(process, css), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _serve(self, process, css: str) -> None:
        ready = None
        try:
            send(process.stdin, {"css": css})
            ready = receive(process.stdout)
        except (OSError, EOFError) as error:
            ready = error
        while True:
            job = self.jobs.get()
            if job is None:
                return
            request, answer = job
            if not isinstance(ready, dict):
                answer.fail(f"the render process did not start: {ready}")
                continue
            try:
                send(process.stdin, request)
                answer.set(receive(process.stdout))
            except (OSError, EOFError) as error:
                answer.fail(f"the render process stopped: {error}")
                ready = error

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.processes) and all(
            thread.is_alive() for thread in self.threads
        )

    def cancel(self) -> None:
        """Forget the parts no render process has taken yet."""
        while True:
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                return
            if job is None:
                self.jobs.put(None)
                return
            job[1].fail("cancelled")

    def submit(self, request: dict) -> Answer:
        answer = Answer()
        self.jobs.put((request, answer))
        return answer

    def close(self) -> None:
        """Stop the processes: asked to exit, or killed at once if they are broken (one
        may be stuck); then their threads, which see the pipes close."""
        for _ in self.threads:
            self.jobs.put(None)
        for process in self.processes:
            if self.broken:
                process.kill()
            else:
                try:
                    send(process.stdin, None)
                except OSError:
                    pass
            try:
                process.stdin.close()
            except OSError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for thread in self.threads:
            thread.join(timeout=5)
        for process in self.processes:
            process.stdout.close()


@dataclass
class Answer:
    """What a render process said about one part (`get` waits for it)."""

    done: threading.Event = field(default_factory=threading.Event)
    value: dict | None = None

    def set(self, value: dict) -> None:
        self.value = value
        self.done.set()

    def fail(self, message: str) -> None:
        self.set({"error": message})

    def get(self) -> dict:
        if not self.done.wait(PART_SECONDS):
            raise RenderProcessError(f"no answer in {PART_SECONDS:.0f} s")
        if "error" in self.value:
            raise RenderProcessError(self.value["error"])
        return self.value


_lock = threading.Lock()
_kept: dict = {}


def acquire(count: int, css: str) -> Workers:
    """Render processes for one document: the kept set if it fits and is free, else new."""
    key = (os.getpid(), count, css, WORKER_MODULE)
    with _lock:
        kept = _kept.pop("workers", None)
        if kept is not None:
            kept.timer.cancel()
            if kept.key == key and kept.alive():
                return kept
            kept.close()
    workers = Workers(count, css)
    workers.key = key
    return workers


def release(workers: Workers) -> None:
    """Keep `workers` for the next document (stopping any set kept before), or stop them
    if one of their processes is gone or they failed a part."""
    if workers.broken or not workers.alive() or workers.key[0] != os.getpid():
        workers.close()
        return
    with _lock:
        previous = _kept.pop("workers", None)
        workers.timer = threading.Timer(IDLE_SECONDS, _expire, args=(workers,))
        workers.timer.daemon = True
        _kept["workers"] = workers
    if previous is not None:
        previous.timer.cancel()
        previous.close()
    workers.timer.start()


def _expire(workers: Workers) -> None:
    with _lock:
        if _kept.get("workers") is not workers:
            return
        del _kept["workers"]
    workers.close()


@atexit.register
def stop_kept() -> None:
    """Stop the kept render processes (at exit, and in tests)."""
    with _lock:
        kept = _kept.pop("workers", None)
    if kept is not None:
        kept.timer.cancel()
        if kept.key[0] == os.getpid():
            kept.close()
