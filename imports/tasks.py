"""Celery tasks of the import: check an uploaded batch, commit a checked one. Started by
`imports.services` once the upload's (or the commit request's) transaction commits; eager
in-process on the default path (no broker)."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from imports import engine, recovery
from imports.models import ImportBatch

logger = logging.getLogger(__name__)


@shared_task(name="imports.check_batch")
def check_batch(batch_pk: int) -> None:
    batch = ImportBatch.objects.filter(pk=batch_pk).select_related("uploaded_by").first()
    if batch is not None:
        engine.batch_check(batch)


@shared_task(name="imports.commit_batch")
def commit_batch(batch_pk: int, actor_pk: int) -> None:
    batch = ImportBatch.objects.filter(pk=batch_pk).first()
    actor = get_user_model().objects.filter(pk=actor_pk).first()
    if batch is None or actor is None:
        return
    try:
        engine.batch_commit(actor=actor, batch=batch)
    except (ValidationError, PermissionDenied):
        pass  # the batch says why (its failure), and is back on its preview
    except Exception:
        logger.exception("import batch %s: commit task failed", batch_pk)


@shared_task(name="imports.recover_imports")
def recover_imports() -> dict:
    """Batches a dead worker left "being checked" or "being committed"
    (`imports.recovery`): their checks started again, their commits back on the preview."""
    recovered = recovery.recover_stalled()
    for pk in recovered["checks"]:
        check_batch.delay(pk)
    return recovered
