"""Issuing official documents: number, render, store, audit — in one transaction.

Callers (the dispatch flows) build a `DocumentContext` (see `notifications.documents`)
and call `issue_document`. Authorization is the caller's job: `notifications` knows
nothing of units and jurisdiction (it may not import `dispatch`), so the caller checks
that `actor` may issue for the issuer before calling.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from audit.services import record_event, snapshot

from .documents.context import DocumentContext, SubjectRef
from .documents.render import format_document_number, render_pdf
from .models import DocumentCounter, DocumentKind, ImmutableError, IssuedDocument


def allocate_number(issuer_code: str, year: int) -> int:
    """The next number for `issuer_code` in `year`. Call it inside the transaction that
    issues the document: the counter row stays locked until that transaction ends, and a
    rollback gives the number back, so numbers have neither gaps nor duplicates.

    The increment is the first statement: on PostgreSQL the UPDATE locks the row (the
    SELECT ... FOR UPDATE that reads it back is then already ours); on SQLite a write as
    the first statement takes the database's write lock while waiting for others,
    instead of failing with "database is locked" when it would upgrade a read lock.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_number() must run inside the issuing transaction.")
    counters = DocumentCounter.objects.filter(issuer_code=issuer_code, year=year)
    if not counters.update(last_number=F("last_number") + 1):
        # First document of this issuer and year. Two issuers racing here: the loser's
        # INSERT waits for the winner's commit, fails, and get_or_create reads the row.
        DocumentCounter.objects.get_or_create(issuer_code=issuer_code, year=year)
        counters.update(last_number=F("last_number") + 1)
    return counters.select_for_update().values_list("last_number", flat=True).get()


def storage_name(issuer_code: str, year: int, number: int, version: int, sha256: str) -> str:
    """Where an issued PDF is stored. The number, version and content hash are all in the
    name, so no two issued documents can share a file."""
    return (
        f"documents/{year}/{issuer_code}/{issuer_code}-{year}-{number}-v{version}-{sha256[:16]}.pdf"
    )


def _store(name: str, data: bytes, sha256: str) -> str:
    """Save `data` under exactly `name`; never overwrite a different file."""
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as existing:
            if hashlib.sha256(existing.read()).hexdigest() == sha256:
                # Left behind by a transaction that rolled back after saving the same
                # bytes (same number, same content): reuse it, do not write again.
                return name
        raise ImmutableError(f"Refusing to overwrite stored document {name}.")
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # a storage that renamed the file instead of refusing
        raise ImmutableError(f"Storage saved {name} as {saved}.")
    return saved


def _subject_fields(subject) -> dict:
    if subject is None:
        return {"subject_type": None, "subject_id": None}
    if isinstance(subject, SubjectRef):
        ct = ContentType.objects.get_by_natural_key(subject.app_label, subject.model)
        return {"subject_type": ct, "subject_id": subject.object_id}
    if isinstance(subject, models.Model):
        if subject.pk is None:
            raise ValueError("The subject must be saved before a document refers to it.")
        ct = ContentType.objects.get_for_model(subject, for_concrete_model=False)
        return {"subject_type": ct, "subject_id": subject.pk}
    raise TypeError(f"A subject is a model instance or a SubjectRef, not {subject!r}.")


def issue_document(
    *,
    actor,
    kind: DocumentKind | str,
    context: DocumentContext,
    year: int | None = None,
    subject: models.Model | SubjectRef | None = None,
    supersedes: IssuedDocument | None = None,
) -> IssuedDocument:
    """Issue one official document and return its stored row.

    Inside one transaction: allocate the next number for `context.issuer.code` and
    `year` (default: the year of `context.date`), render the PDF with that number, store
    it (default storage, never overwritten) with its SHA-256, create the
    `IssuedDocument` and append an audit event. If anything fails, nothing is kept and
    the number is not used up.

    `supersedes`: the document this one corrects or replaces (same kind and issuer). The
    new one gets its own number and `version = supersedes.version + 1`; a document can
    be superseded only once.
    """
    kind = DocumentKind(kind)
    issuer_code = (context.issuer.code or "").strip()
    if not issuer_code:
        raise ValidationError(_("The issuer has no document-number code."))
    if len(issuer_code) > IssuedDocument._meta.get_field("issuer_code").max_length:
        raise ValidationError(_("The issuer's document-number code is too long."))
    year = year or context.date.year
    if not 2000 <= year <= dt.date.today().year + 1:
        raise ValidationError(
            _("The document year %(year)s is out of range."), params={"year": year}
        )
    subject_fields = _subject_fields(subject)

    with transaction.atomic():
        version = 1
        if supersedes is not None:
            supersedes = IssuedDocument.objects.select_for_update().get(pk=supersedes.pk)
            if supersedes.kind != kind or supersedes.issuer_code != issuer_code:
                raise ValidationError(
                    _("A document can only supersede one of the same kind and issuer.")
                )
            if IssuedDocument.objects.filter(supersedes=supersedes).exists():
                raise ValidationError(_("This document has already been superseded."))
            version = supersedes.version + 1

        number = allocate_number(issuer_code, year)
        document_number = format_document_number(issuer_code, year, number)
        rendered = render_pdf(context, document_number=document_number)
        sha256 = hashlib.sha256(rendered.data).hexdigest()
        name = _store(
            storage_name(issuer_code, year, number, version, sha256), rendered.data, sha256
        )
        document = IssuedDocument(
            kind=kind,
            issuer_code=issuer_code,
            year=year,
            number=number,
            document_number=document_number,
            title=context.title[:255],
            file=name,
            sha256=sha256,
            size=len(rendered.data),
            pages=rendered.pages,
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            supersedes=supersedes,
            version=version,
            **subject_fields,
        )
        document.save()
        record_event(
            actor=actor,
            verb="document.issue" if supersedes is None else "document.reissue",
            target=document,
            before=snapshot(supersedes) if supersedes is not None else None,
            after=snapshot(document),
        )
    return document


def verify_document(document: IssuedDocument) -> bool:
    """Whether the stored file still has the SHA-256 recorded when it was issued."""
    with default_storage.open(document.file.name, "rb") as stored:
        return hashlib.sha256(stored.read()).hexdigest() == document.sha256
