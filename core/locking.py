"""One answer when someone else holds the lock a request needs: "该事项正在由他人办理，请稍后
重试". Code that gives up waiting for a lock raises `LockBusy`; the database's own lock
refusals (PostgreSQL's lock_not_available from NOWAIT or lock_timeout, a detected
deadlock, SQLite's "database is locked") and Viewflow's `FlowLockFailed` are recognised
by `is_lock_error`. `core.middleware.LockBusyMiddleware` turns any of them into that
message instead of a server error."""

from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

LOCK_BUSY_MESSAGE = _("This item is being handled by someone else. Please try again shortly.")

#: PostgreSQL's lock_not_available (NOWAIT, lock_timeout) and deadlock_detected
LOCK_SQLSTATES = frozenset({"55P03", "40P01"})


class LockBusy(Exception):
    """A lock this action needs is held by someone else, and waiting longer would not help."""

    def __init__(self, message=None):
        super().__init__(message or LOCK_BUSY_MESSAGE)


def is_lock_error(exc: BaseException) -> bool:
    """Whether `exc` says only that someone else holds a lock: trying again later may work."""
    if isinstance(exc, LockBusy):
        return True
    if type(exc).__name__ == "FlowLockFailed":  # Viewflow's lock gave up after its retries
        return True
    if isinstance(exc, DatabaseError):
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) in LOCK_SQLSTATES:
            return True
        return "database is locked" in str(exc)  # SQLite, past its busy timeout
    return False
