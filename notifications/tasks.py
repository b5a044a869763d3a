"""Celery tasks for official documents.

`issue_document_task` issues one document from plain, JSON-serialisable data, so a
caller can issue many in bulk (one task each) and let workers render them. Dates and
decimals survive Celery's JSON serializer (kombu encodes them with type markers).
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from core.locking import is_lock_error
from notifications.documents import builders
from notifications.documents import circular as circular_document
from notifications.documents.context import Issuer, SubjectRef
from notifications.models import DocumentKind
from notifications.outbox import deliver_task  # noqa: F401  (registers the delivery task)
from notifications.services import issue_document

BUILDERS = {
    DocumentKind.DISPATCH_NOTICE: builders.dispatch_notice,
    DocumentKind.ADMISSION_NOTICE: builders.admission_notice,
    DocumentKind.MAKEUP_NOTICE: builders.makeup_notice,
    DocumentKind.CIRCULAR: circular_document.circular,
}


LOCK_RETRIES = 5


@shared_task(bind=True, name="notifications.issue_document", max_retries=LOCK_RETRIES)
def issue_document_task(
    self,
    kind: str,
    data: dict,
    *,
    actor_id: int | None = None,
    subject: list | tuple | None = None,
    year: int | None = None,
) -> int:
    """Build the `kind` document from `data` (the builder's keyword arguments, with
    `issuer` as a dict of `Issuer` fields), issue it and return the IssuedDocument's id.

    subject: optional ("app_label", "model", object_id).

    Tried again later (1, 2, 4 … seconds, `LOCK_RETRIES` times) when the database says only
    that someone else holds a lock: on SQLite every other document being issued holds the
    whole database's write lock while it renders."""
    kind = DocumentKind(kind)
    data = dict(data)
    issuer = data.pop("issuer")
    data["issuer"] = issuer if isinstance(issuer, Issuer) else Issuer(**issuer)
    context = BUILDERS[kind](**data)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        document = issue_document(
            actor=actor,
            kind=kind,
            context=context,
            year=year,
            subject=SubjectRef(*subject) if subject else None,
        )
    except Exception as exc:
        # Issued eagerly (no broker), the caller sees the lock error itself.
        if is_lock_error(exc) and not self.app.conf.task_always_eager:
            raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
        raise
    return document.pk


# --- Notifications (issue 5) ---------------------------------------------------------


@shared_task(name="notifications.sweep")
def sweep_task() -> dict:
    """Deliver due pending rows (beat, every minute): what the broker missed, and retries."""
    from notifications import outbox

    return outbox.sweep()


@shared_task(name="notifications.send_digests")
def send_digests_task() -> int:
    from notifications import outbox

    return outbox.send_digests()


@shared_task(name="notifications.send_reminders")
def send_reminders_task() -> int:
    from notifications import reminders

    return reminders.send_reminders()


@shared_task(name="notifications.prune_unissued")
def prune_unissued_task() -> int:
    from notifications import unissued

    return len(unissued.prune_unissued())
