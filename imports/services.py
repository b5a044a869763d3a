"""Writing imports: store an upload and start its check, start a checked batch's commit.
The long steps themselves (`batch_check`, `batch_commit`) are in `imports.engine`, run by
the Celery tasks after the transaction that asked for them commits."""

import hashlib
import os
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from core.spreadsheets import check_upload_size
from imports import tasks
from imports.engine import batch_check, batch_commit, check_header, kind_of, org_limits
from imports.kinds import ImportKind
from imports.models import BatchStatus, ImportBatch

__all__ = ["batch_check", "batch_commit", "batch_commit_start", "batch_upload"]

EXTENSIONS = (".xlsx", ".csv")


def batch_upload(*, actor, kind: ImportKind, upload, name: str, start: bool = True) -> ImportBatch:
    """Keep an uploaded file (with its SHA-256) as a new batch of `kind` and start its
    check (`start=False`: the caller checks it, as `manage.py import_org` does). A file
    whose header cannot be read, lacks a required column or names a password is refused
    (ValidationError) before it is kept."""
    if not kind.may_import(actor):
        raise PermissionDenied
    name = os.path.basename(str(name or "").replace("\\", "/"))[:255]
    extension = os.path.splitext(name)[1].lower()
    if extension not in EXTENSIONS:
        raise ValidationError(_("Upload an .xlsx or .csv file."))
    check_upload_size(upload.size, org_limits())
    # The header first, before anything is kept: a wrong template or a password column
    # refuses the file here, with no batch and nothing in storage. No audit event either:
    # nothing was written (the importer sees the message on the form).
    upload.seek(0)
    check_header(kind, upload, name)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        batch = ImportBatch(
            kind=kind.slug, uploaded_by=actor, file_name=name, sha256=digest.hexdigest()
        )
        batch.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
        batch.save()
        record_event(
            actor=actor,
            verb="import.upload",
            target=batch,
            after={"kind": kind.slug, "file_name": name, "sha256": batch.sha256},
        )
        if start:
            pk = batch.pk
            transaction.on_commit(lambda: tasks.check_batch.delay(pk))
    return batch


def batch_commit_start(*, actor, batch: ImportBatch) -> ImportBatch:
    """Ask for a checked batch to be committed (by the Celery task): refused while a row
    has an error, and a second time."""
    kind = kind_of(batch)
    if not kind.may_import(actor):
        raise PermissionDenied
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(
            pk=batch.pk, status=BatchStatus.PREVIEWED, rows_error=0
        ).update(status=BatchStatus.COMMITTING, failure="")
        batch.refresh_from_db()
        if not claimed:
            if batch.status == BatchStatus.COMMITTED:
                raise ValidationError(_("This import has been committed already."))
            if batch.status == BatchStatus.COMMITTING:
                raise ValidationError(_("This import is being committed."))
            if batch.rows_error:
                raise ValidationError(_("Rows have errors; correct the file and upload it again."))
            raise ValidationError(_("This import cannot be committed now."))
        record_event(
            actor=actor,
            verb="import.commit_start",
            target=batch,
            after={"kind": batch.kind, "sha256": batch.sha256},
        )
        pk, actor_pk = batch.pk, actor.pk
        transaction.on_commit(lambda: tasks.commit_batch.delay(pk, actor_pk))
    return batch
