"""Batches a dead worker left behind: a check or a commit runs in one transaction, so a
worker killed mid-way (kill -9, a lost machine) writes nothing — but the batch itself
still says "being checked" or "being committed", and its page would wait for ever.
`recover_stalled` (beat entry `import-recovery`, or `manage.py recover_imports`) finds
batches stuck so for longer than `XUNDIAO_IMPORT_STALL_MINUTES` whose row no running
check or commit holds locked: a check is started again (by the caller,
`imports.tasks.recover_imports`); a commit goes back to the preview, saying that
nothing was written, for the importer to commit again."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import record_event
from imports.models import BatchStatus, ImportBatch


def stall_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.XUNDIAO_IMPORT_STALL_MINUTES)


def _commit_asked_at(batch_ids) -> dict[int, dt.datetime]:
    """When each batch's commit was last asked for (its `import.commit_start` event)."""
    rows = (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(ImportBatch),
            target_id__in=[str(pk) for pk in batch_ids],
            verb="import.commit_start",
        )
        .values("target_id")
        .annotate(at=Max("created_at"))
    )
    return {int(row["target_id"]): row["at"] for row in rows}


def _unheld(pk: int, status: str) -> ImportBatch | None:
    """The batch, locked, if it still has `status` and no running check or commit holds
    it (PostgreSQL: SKIP LOCKED; SQLite: a running one holds the write lock, and this
    transaction's wait for it ends in an error the caller takes for "still running")."""
    return (
        ImportBatch.objects.select_for_update(skip_locked=True).filter(pk=pk, status=status).first()
    )


def recover_stalled(*, now=None) -> dict[str, list[int]]:
    """The checks a dead worker left stuck, to be started again, and the commits it left
    stuck, sent back to their preview: {"checks": ids to check, "commits": ids sent back}."""
    cutoff = (now or timezone.now()) - stall_after()
    recovered: dict[str, list[int]] = {"checks": [], "commits": []}
    checking = ImportBatch.objects.filter(status=BatchStatus.UPLOADED, created_at__lt=cutoff)
    for pk in checking.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                if _unheld(pk, BatchStatus.UPLOADED) is None:
                    continue
        except DatabaseError:
            continue  # a running check holds it
        recovered["checks"].append(pk)
    committing = list(
        ImportBatch.objects.filter(status=BatchStatus.COMMITTING).values_list("pk", flat=True)
    )
    asked = _commit_asked_at(committing)
    for pk in committing:
        if asked.get(pk) is not None and asked[pk] >= cutoff:
            continue
        try:
            with transaction.atomic():
                batch = _unheld(pk, BatchStatus.COMMITTING)
                if batch is None:
                    continue
                message = _(
                    "The commit was interrupted (the server stopped while writing); "
                    "nothing was written. Commit the import again."
                )
                ImportBatch.objects.filter(pk=pk).update(
                    status=BatchStatus.PREVIEWED, failure=message
                )
                record_event(
                    actor=None,
                    verb="import.commit_interrupted",
                    target=batch,
                    after={"kind": batch.kind, "sha256": batch.sha256},
                )
        except DatabaseError:
            continue  # a running commit holds it
        recovered["commits"].append(pk)
    return recovered
