"""Issuing official documents (number, render, store, audit — in one transaction), and
notifying people (`notify`, `acknowledge`, `mark_read`, `update_preferences`).

Callers (the dispatch flows) build a `DocumentContext` (see `notifications.documents`)
and call `issue_document`. Authorization is the caller's job: `notifications` knows
nothing of units and jurisdiction (it may not import `dispatch`), so the caller checks
that `actor` may issue for the issuer before calling.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from collections.abc import Iterable
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import record_event, snapshot
from core.validation import validate_mobile_phone
from notifications import acknowledgement, ics, outbox, signals
from notifications.documents.context import DocumentContext, SubjectRef
from notifications.documents.render import format_document_number, render_pdf
from notifications.models import (
    Channel,
    ContactProfile,
    Delivery,
    DeliveryStatus,
    DocumentCounter,
    DocumentKind,
    Event,
    ImmutableError,
    IssuedDocument,
    Notification,
)


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


# --- Notifications (issue 5) ---------------------------------------------------------


def _channels_for(
    user, profile, allowed: set[str], *, individual: bool = False
) -> dict[str, tuple[str, str, str]]:
    """{channel: (status, address, note)} for the external channels `user` gets.
    `individual`: the notification carries attachments (a document's PDF, a calendar
    invite) or needs acknowledgement, so it is e-mailed on its own even to a user who
    takes the daily digest (a digest carries no attachments and waits up to a day)."""
    result = {}
    if Channel.EMAIL in allowed and (profile is None or profile.email_enabled):
        if not user.email:
            result[Channel.EMAIL] = (
                DeliveryStatus.SKIPPED,
                "",
                "The recipient has no e-mail address.",
            )
        elif profile is not None and profile.daily_digest and not individual:
            result[Channel.EMAIL] = (DeliveryStatus.DIGEST, user.email, "")
        else:
            result[Channel.EMAIL] = (DeliveryStatus.PENDING, user.email, "")
    if Channel.SMS in allowed and profile is not None and profile.sms_enabled:
        if not profile.phone:
            result[Channel.SMS] = (DeliveryStatus.SKIPPED, "", "The recipient has no phone number.")
        else:
            result[Channel.SMS] = (DeliveryStatus.PENDING, profile.phone, "")
    return result


def _render(template: str, context: dict) -> tuple[str, str]:
    """Render an event template: the first non-empty line is the title, the rest the body."""
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(template, context)
    lines = text.strip().splitlines()
    title = " ".join(lines[0].split()) if lines else ""
    body = "\n".join(line.rstrip() for line in lines[1:]).strip()
    return title[:255], body


def notify(
    *,
    event: Event | str,
    recipients: Iterable,
    key: str,
    context: dict | None = None,
    template: str | None = None,
    url: str = "",
    document: IssuedDocument | None = None,
    calendar: dict | None = None,
    requires_ack: bool = False,
    group: str = "",
    channels: Iterable[str] | None = None,
) -> list[Notification]:
    """Notify `recipients` of one event; return their notifications (new or existing).

    * `key` identifies the event (e.g. "dispatch:42:dispatched"): (key, recipient) is
      unique, so calling again with the same key — a retry, a double submit — creates no
      new notification and sends nothing again. Recipients added on a later call with
      the same key are notified then.
    * Rows are written in the caller's transaction (or a new one) and delivered after it
      commits; if it rolls back, nothing is sent.
    * The title and body are rendered from `template` (default
      `notifications/events/<event>.txt`; first line = title) with `context` plus
      `recipient`. `context` must be JSON-safe (dates are fine) and is stored.
    * Channels: in-app always; e-mail and SMS as each user prefers (`ContactProfile`),
      limited to `channels` if given (e.g. `["email"]` for no SMS, `[]` for in-app only).
      A user who takes the daily digest gets this e-mail in the digest — unless it needs
      acknowledgement or has a document or calendar invite: then it goes out on its
      own, with its attachments, straight away.
    * `document`: its PDF is attached to the e-mail and offered in the inbox. More
      documents of one message (each recipient's own): their pks as
      `context["enclosures"]` (`Notification.enclosure_ids`), attached and offered too.
      `calendar`: {"summary", "start", "end", "location", "description"} → an .ics invite
      (dates are whole days, `end` inclusive; with "uid" and "sequence", a new revision
      of an event sent before, `notifications.ics`). `requires_ack`: the inbox shows an
      acknowledge (签收) button; `group` (e.g. "rollcall:12") lets `unacknowledged(group)`
      list who has not yet acknowledged.
    """
    key = str(key).strip()
    if not key or len(key) > Notification._meta.get_field("key").max_length:
        raise ValueError("notify() needs a non-empty idempotency key of at most 200 characters.")
    if len(group) > Notification._meta.get_field("group").max_length:
        raise ValueError("The group is too long.")
    context = dict(context or {})
    users, seen = [], set()
    for user in recipients:
        if user is not None and user.pk not in seen:
            seen.add(user.pk)
            users.append(user)
    return notify_each(
        event=event,
        entries=[Entry(user, key, context, url) for user in users],
        template=template,
        document=document,
        calendar=calendar,
        requires_ack=requires_ack,
        group=group,
        channels=channels,
    )


class Entry(NamedTuple):
    """One recipient's notification of an event: its key, context and link."""

    recipient: object
    key: str
    context: dict
    url: str = ""


def notify_each(
    *,
    event: Event | str,
    entries: Iterable[Entry],
    template: str | None = None,
    document: IssuedDocument | None = None,
    calendar: dict | None = None,
    requires_ack: bool = False,
    group: str = "",
    channels: Iterable[str] | None = None,
) -> list[Notification]:
    """`notify` for many (recipient, key, context, url) entries of one event at once — e.g.
    each trainee of a roll call their own message — in a fixed number of queries: the
    same idempotency ((key, recipient) unique), rendering, channels and after-commit
    delivery as `notify`. Returns the entries' notifications (new or existing); an
    inactive recipient gets none."""
    event = Event(event)
    max_key = Notification._meta.get_field("key").max_length
    # An inactive account cannot sign in to read, follow or acknowledge the message:
    # it gets none (the callers tell a cadre without an active account through the
    # unit's liaisons instead, `dispatch.notices.trainee_or_liaisons`).
    entries = [
        Entry(e.recipient, str(e.key).strip(), dict(e.context or {}), e.url)
        for e in entries
        if e.recipient is not None and e.recipient.is_active
    ]
    for entry in entries:
        if not entry.key or len(entry.key) > max_key:
            raise ValueError(
                "notify() needs a non-empty idempotency key of at most 200 characters."
            )
    if len(group) > Notification._meta.get_field("group").max_length:
        raise ValueError("The group is too long.")
    calendar = ics.normalize(calendar)
    allowed = {Channel.EMAIL, Channel.SMS} if channels is None else {Channel(c) for c in channels}
    template = template or f"notifications/events/{event}.txt"
    unique, seen = [], set()
    for entry in entries:
        if (entry.key, entry.recipient.pk) not in seen:
            seen.add((entry.key, entry.recipient.pk))
            unique.append(entry)
    if not unique:
        return []
    keys = {e.key for e in unique}
    ids = {e.recipient.pk for e in unique}

    def stored():
        return {
            (n.key, n.recipient_id): n
            for n in Notification.objects.filter(key__in=keys, recipient__in=ids).select_related(
                "document"
            )
        }

    with transaction.atomic():
        existing = set(
            Notification.objects.filter(key__in=keys, recipient__in=ids).values_list(
                "key", "recipient_id"
            )
        )
        new = [e for e in unique if (e.key, e.recipient.pk) not in existing]
        now = timezone.now()
        rows = []
        for entry in new:
            title, body = _render(
                template,
                {
                    **entry.context,
                    "recipient": entry.recipient,
                    "event": event,
                    "url": entry.url,
                    "document": document,
                    "calendar": calendar,
                    "requires_ack": requires_ack,
                },
            )
            rows.append(
                Notification(
                    key=entry.key,
                    recipient=entry.recipient,
                    event=event,
                    title=title or event.label,
                    body=body,
                    url=entry.url,
                    context=entry.context,
                    document=document,
                    calendar=calendar,
                    requires_ack=requires_ack,
                    group=group,
                    created_at=now,
                )
            )
        # ON CONFLICT DO NOTHING: a concurrent call with the same key wins quietly.
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        notifications = stored()
        created = [
            (e, notifications[(e.key, e.recipient.pk)])
            for e in new
            if (e.key, e.recipient.pk) in notifications
        ]
        # written by a concurrent call with the same key: not ours to deliver
        created = [(e, n) for e, n in created if n.created_at == now]
        if created:
            profiles = {
                p.user_id: p
                for p in ContactProfile.objects.filter(
                    user__in={e.recipient.pk for e, _ in created}
                )
            }
            deliveries = []
            for entry, notification in created:
                for channel, (status, address, note) in _channels_for(
                    entry.recipient,
                    profiles.get(entry.recipient.pk),
                    allowed,
                    individual=requires_ack
                    or document is not None
                    or bool(calendar)
                    or bool(notification.enclosure_ids),
                ).items():
                    deliveries.append(
                        Delivery(
                            notification=notification,
                            channel=channel,
                            status=status,
                            address=address,
                            last_error=note,
                            next_attempt_at=now,
                            created_at=now,
                        )
                    )
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=500)
            pending = list(
                Delivery.objects.filter(
                    notification__in=[n.pk for _, n in created], status=DeliveryStatus.PENDING
                ).values_list("id", flat=True)
            )
            if pending:
                transaction.on_commit(partial(outbox.enqueue, pending), robust=True)
    return [
        notifications[(e.key, e.recipient.pk)]
        for e in unique
        if (e.key, e.recipient.pk) in notifications
    ]


def acknowledge(*, user, notification: Notification, ip: str | None = None) -> Notification:
    """The recipient acknowledges (签收) a notification that requires it.

    Only the recipient may (PermissionDenied otherwise). Idempotent: a second call returns
    the notification with the first acknowledgement's time and IP, writes no audit event
    and sends no signal. The first call records time and IP, marks it read, writes an
    audit event and sends `notifications.signals.acknowledged` inside the transaction
    (a receiver that raises rolls the acknowledgement back). A notice whose subject no
    longer awaits acknowledgement (`notifications.acknowledgement`: e.g. its dispatch
    cancelled) is refused with the reason (ValidationError), and nothing is written."""
    if user is None or not user.is_authenticated or notification.recipient_id != user.pk:
        raise PermissionDenied(_("Only the recipient may acknowledge this notice."))
    if not notification.requires_ack:
        raise ValidationError(_("This notification needs no acknowledgement."))
    try:
        ip = str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        ip = None
    with transaction.atomic():
        # Read again in the transaction, the subject's row locked by its check: a change
        # of the subject (a cancellation) either waits for this 签收 or is seen here.
        current = Notification.objects.select_related("document").get(pk=notification.pk)
        if current.acknowledged_at is None:
            reason = acknowledgement.refusal(current, lock=True)
            if reason:
                raise ValidationError(reason)
        now = timezone.now()
        done = Notification.objects.filter(
            pk=notification.pk, recipient=user, acknowledged_at__isnull=True
        ).update(acknowledged_at=now, acknowledged_ip=ip, read_at=Coalesce("read_at", now))
        notification.refresh_from_db()
        if done:
            record_event(
                actor=user,
                verb="notification.acknowledge",
                target=notification,
                after={
                    "key": notification.key,
                    "group": notification.group,
                    "acknowledged_at": notification.acknowledged_at.isoformat(),
                    "ip": ip,
                },
            )
            signals.acknowledged.send(sender=Notification, notification=notification, user=user)
    return notification


def close_acknowledgements(
    *, actor, subject: models.Model, at: dt.datetime | None = None, ip: str | None = None
) -> int:
    """The caller's business object `subject` has been acknowledged — on its own task
    page, or through one recipient's 签收 where several were asked (a cadre without an
    account: every liaison of the unit). Mark every notification still awaiting
    acknowledgement whose document is about `subject` as acknowledged, with the same
    time and IP, so no inbox still asks for it. One audit event per row closed; no signal
    (the caller has already done what the signal would do). Returns how many were closed.
    """
    ct = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    at = at or timezone.now()
    try:
        ip = str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        ip = None
    with transaction.atomic():
        open_rows = Notification.objects.filter(
            document__subject_type=ct,
            document__subject_id=subject.pk,
            requires_ack=True,
            acknowledged_at__isnull=True,
        )
        ids = list(open_rows.values_list("pk", flat=True))
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids, acknowledged_at__isnull=True).update(
            acknowledged_at=at, acknowledged_ip=ip, read_at=Coalesce("read_at", at)
        )
        for notification in Notification.objects.filter(pk__in=ids):
            record_event(
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                verb="notification.acknowledge_closed",
                target=notification,
                after={
                    "key": notification.key,
                    "group": notification.group,
                    "acknowledged_at": at.isoformat(),
                    "ip": ip,
                },
            )
    return len(ids)


def mark_read(*, user, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read (PermissionDenied for others')."""
    if notification.recipient_id != getattr(user, "pk", None):
        raise PermissionDenied(_("This is not your notification."))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(*, user) -> int:
    """Mark all of the user's unread notifications read; return how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def update_preferences(
    *, user, email_enabled: bool, sms_enabled: bool, daily_digest: bool, phone: str = ""
) -> ContactProfile:
    """Save the user's own channel preferences and phone number (audited)."""
    phone = (phone or "").strip()
    if sms_enabled and not phone:
        raise ValidationError(_("SMS needs a mobile phone number."))
    if phone:
        phone = validate_mobile_phone(phone)
    with transaction.atomic():
        profile, _created = ContactProfile.objects.select_for_update().get_or_create(user=user)
        before = snapshot(profile)
        profile.phone = phone
        profile.email_enabled = email_enabled
        profile.sms_enabled = sms_enabled
        profile.daily_digest = daily_digest
        profile.full_clean()
        profile.save()
        record_event(
            actor=user,
            verb="notification.preferences",
            target=profile,
            before=before,
            after=snapshot(profile),
        )
    return profile
