"""The process lock every flow takes before it moves (`ScopedFlowMixin.lock_impl`).

Viewflow's `SelectForUpdateLock` catches a refused NOWAIT lock inside the transaction
that asked for it: at the top level it retries, but nested in a caller's transaction (签收
in the inbox completes the dispatch's task inside the acknowledgement's transaction) the
savepoint is left aborted and everything after fails with "current transaction is
aborted". This lock:

* at the top level (a task page, a timer job) waits for the process row as long as its
  holder's transaction lasts, bounded by `WAIT` on PostgreSQL — it holds nothing yet, so
  waiting can deadlock no one;
* nested in a transaction that may already hold other rows, tries NOWAIT in a savepoint
  of its own (a refusal rolls back only that savepoint), a few times briefly, and then
  raises `core.locking.LockBusy` rather than wait on someone who may be waiting on it.
"""

import random
import time
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction

from core.locking import LockBusy, is_lock_error


class ProcessLock:
    #: longest wait for the process row at the top level (PostgreSQL's lock_timeout)
    WAIT = "10s"
    #: pauses between the nested NOWAIT attempts, in seconds (then LockBusy)
    NESTED_PAUSES = (0.05, 0.1, 0.2, 0.4)

    @contextmanager
    def __call__(self, flow_class, process_pk):
        process = flow_class.process_class._default_manager.filter(pk=process_pk)
        nested = connection.in_atomic_block
        with transaction.atomic():
            if nested:
                self._lock_nested(process)
            else:
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [self.WAIT])
                process.select_for_update().exists()
            yield

    def _lock_nested(self, process):
        for pause in (*self.NESTED_PAUSES, None):
            try:
                with transaction.atomic():
                    process.select_for_update(nowait=True).exists()
                return
            except DatabaseError as exc:
                if not is_lock_error(exc):
                    raise
                if pause is None:
                    raise LockBusy() from exc
            time.sleep(pause * (1 + random.random()))


process_lock = ProcessLock()
