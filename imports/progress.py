"""How far a batch's check or commit has got, kept in Django's cache and not in the
database: the commit runs in one transaction, which would hide its own progress rows from
the page asking for them until the very end. (With a Celery worker in another process the
cache must be a shared one, e.g. Redis; the default in-process cache serves the eager path.)"""

from django.core.cache import cache

TIMEOUT = 6 * 3600


def _key(batch_pk: int) -> str:
    return f"xundiao:imports:{batch_pk}:progress"


def set_progress(batch_pk: int, *, phase: str, done: int, total: int = 0) -> None:
    cache.set(_key(batch_pk), {"phase": phase, "done": done, "total": total}, TIMEOUT)


def get_progress(batch_pk: int) -> dict:
    return cache.get(_key(batch_pk)) or {"phase": "", "done": 0, "total": 0}


def clear_progress(batch_pk: int) -> None:
    cache.delete(_key(batch_pk))


class Counter:
    """A progress callback that adds up and writes to the cache at most every `every`
    rows (and calls `also(done, total)`, e.g. a tqdm bar's update)."""

    def __init__(self, batch_pk: int, phase: str, total: int = 0, every: int = 500, also=None):
        self.batch_pk, self.phase, self.total, self.every, self.also = (
            batch_pk,
            phase,
            total,
            every,
            also,
        )
        self.done = 0
        self._written = -every
        set_progress(batch_pk, phase=phase, done=0, total=total)

    def __call__(self, n: int = 1) -> None:
        self.done += n
        if self.also is not None:
            self.also(n)
        if self.done - self._written >= self.every:
            self.flush()

    def flush(self) -> None:
        self._written = self.done
        set_progress(self.batch_pk, phase=self.phase, done=self.done, total=self.total)
