"""Delivering the outbox: e-mail and SMS rows, exactly once, retried with backoff.

Life of a `Delivery` row:

    pending ──claim──▶ sending ──▶ sent
       ▲                  │
       └── backoff ◀──────┴──▶ failed (after NOTIFICATIONS_MAX_ATTEMPTS)
    skipped: nothing to send to (no address, channel off); digest: held for the daily digest

* `enqueue(ids)` runs after the business transaction commits and hands the ids to the
  Celery task `notifications.deliver`. If the broker is down the rows simply stay pending.
* `deliver(ids)` claims the rows that are pending and due with one conditional UPDATE
  (status → sending, a fresh claim token, attempts + 1), so two workers, a retried task
  or a sweep running at the same time never claim the same row; rows already sent are
  not touched. Only then is anything sent, outside any database lock.
* `sweep()` (beat every minute, or `manage.py send_pending_notifications`) delivers due
  pending rows and gives rows stuck in `sending` longer than the lease back to pending
  (a worker died mid-send; the only case where a message can go out twice).
* `send_digests()` (beat daily, or `manage.py send_notification_digests`) sends one
  e-mail per user listing the rows held for their digest. Its claims are marked
  (`DIGEST_CLAIM`), so a stale one returns to the digest. Notifications with attachments
  or needing acknowledgement are never held for the digest (see `services.notify`).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from email import encoders
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from urllib.parse import quote

from celery import shared_task
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, get_connection
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from audit.services import record_events
from notifications import selectors
from notifications.ics import build_ics, event_uid
from notifications.models import Channel, Delivery, DeliveryStatus, Notification
from notifications.sms import get_sms_backend

logger = logging.getLogger("notifications")

BATCH = 100

# Claim tokens of the daily digest start with this (regular claims are hex uuids), so a
# digest claim left by a worker that died goes back to the digest, not out singly.
DIGEST_CLAIM = "digest"


def _setting(name, default):
    return getattr(settings, name, default)


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after `attempts` failed ones: base · 2^(n-1), capped."""
    base = _setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60)
    cap = _setting("NOTIFICATIONS_RETRY_MAX_SECONDS", 6 * 3600)
    return dt.timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def absolute_url(url: str) -> str:
    if not url or "://" in url:
        return url
    return _setting("NOTIFICATIONS_SITE_URL", "http://127.0.0.1:8000").rstrip("/") + url


def _chunks(ids: list[int], size: int = BATCH):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


# --- handing rows to Celery ------------------------------------------------------------


def enqueue(delivery_ids: Iterable[int]) -> int:
    """Queue delivery of `delivery_ids`; return how many batches were queued. Never raises:
    when the broker cannot be reached the rows stay pending and the sweep sends them."""
    ids = sorted(set(delivery_ids))
    queue = _setting("NOTIFICATIONS_QUEUE", "") or None
    queued = 0
    for chunk in _chunks(ids):
        try:
            deliver_task.apply_async((chunk,), queue=queue)
            queued += 1
        except Exception:  # broker down (kombu OperationalError, redis/socket errors), ...
            logger.warning(
                "Could not queue %d notification deliveries; they stay pending for the sweep.",
                len(chunk),
                exc_info=True,
            )
    return queued


# --- delivering -------------------------------------------------------------------------


def _claim(ids: list[int], now: dt.datetime) -> str:
    token = uuid.uuid4().hex
    Delivery.objects.filter(
        pk__in=ids, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(
        status=DeliveryStatus.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
    )
    return token


def _finish(delivery: Delivery, token: str, error: str | None, *, skip: bool = False) -> str:
    now = timezone.now()
    rows = Delivery.objects.filter(pk=delivery.pk, claim_token=token)
    if skip:
        status = DeliveryStatus.SKIPPED
        rows.update(status=status, last_error=error or "", claim_token="")
    elif error is None:
        status = DeliveryStatus.SENT
        rows.update(status=status, sent_at=now, last_error="", claim_token="")
    else:
        attempts = delivery.attempts  # read after the claim, which counted this attempt
        if attempts >= _setting("NOTIFICATIONS_MAX_ATTEMPTS", 6):
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
        rows.update(
            status=status,
            last_error=error[:2000],
            next_attempt_at=now + backoff(attempts),
            claim_token="",
        )
        logger.warning("Notification delivery %s failed (%s): %s", delivery.pk, status, error)
    return status


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def mail_date() -> str:
    """The Date header in the site's time zone, with its real offset (e.g. +0800), not the
    -0000 ("offset unknown") Django writes for UTC."""
    return email.utils.format_datetime(timezone.localtime())


def _ascii_name(name: str, fallback: str) -> str:
    """A plain ASCII file name for the `filename=` parameter (old mail readers): the name
    itself when it is ASCII, else `fallback`."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        return fallback
    return name


def content_disposition(disposition: str, name: str, fallback: str) -> str:
    """A Content-Disposition (`attachment` or `inline`) that names the file twice: a plain
    ASCII `filename=` and, for a non-ASCII name, the RFC 2231/6266 `filename*=` beside it
    (readers and browsers that know it take the latter)."""
    plain = _ascii_name(name, fallback).replace('"', "")
    value = f'{disposition}; filename="{plain}"'
    if plain != name:
        value += f"; filename*=utf-8''{quote(name, safe='')}"
    return value


def document_file_names(document) -> tuple[str, str]:
    """An issued document's PDF file name (its number) and the plain ASCII fallback."""
    return (
        f"{document.document_number}.pdf",
        f"{document.kind}-{document.year}-{document.number}.pdf",
    )


def attachment(data: bytes | str, mimetype: str, name: str, fallback: str) -> MIMEBase:
    """One attachment part whose Content-Disposition names the file twice
    (`content_disposition`). Text parts carry their charset once."""
    maintype, subtype = mimetype.split("/", 1)
    if maintype == "text":
        part = MIMEText(data if isinstance(data, str) else data.decode("utf-8"), subtype, "utf-8")
    else:
        part = MIMEBase(maintype, subtype)
        part.set_payload(data)
        encoders.encode_base64(part)
    part["Content-Disposition"] = content_disposition("attachment", name, fallback)
    return part


def email_message(notification: Notification, to: str, *, connection=None) -> EmailMessage:
    """The e-mail for one notification: its text and link, the document's PDF (and those
    of its enclosures, up to `NOTIFICATIONS_MAX_ENCLOSURES`; the rest wait in the inbox)
    and an .ics."""
    enclosed = selectors.enclosures(notification)
    attached = enclosed[: max(0, int(_setting("NOTIFICATIONS_MAX_ENCLOSURES", 50)))]
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "notifications/email.txt",
            {
                "notification": notification,
                "link": absolute_url(notification.url),
                "left_in_inbox": len(enclosed) - len(attached),
            },
        )
    message = EmailMessage(
        subject=" ".join(notification.title.split()),
        body=body,
        to=[to],
        connection=connection,
        headers={"Date": mail_date()},
    )
    documents = [notification.document] if notification.document is not None else []
    for document in documents + attached:
        with default_storage.open(document.file.name, "rb") as pdf:
            message.attach(
                attachment(pdf.read(), "application/pdf", *document_file_names(document))
            )
    if notification.calendar:
        invite = attachment(
            build_ics(
                notification.calendar,
                uid=event_uid(notification.key),
                stamp=notification.created_at,
                organizer=settings.DEFAULT_FROM_EMAIL,
            ).decode("utf-8"),
            "text/calendar",
            "invite.ics",
            "invite.ics",
        )
        invite.set_param("method", "PUBLISH")
        message.attach(invite)
    return message


def sms_text(notification: Notification) -> str:
    link = absolute_url(notification.url)
    return f"{notification.title} {link}".strip()


def deliver(delivery_ids: Iterable[int]) -> dict[str, int]:
    """Send the given rows that are pending and due; return counts by resulting status.
    Safe to call any number of times with the same ids."""
    counts: dict[str, int] = defaultdict(int)
    for chunk in _chunks(sorted(set(delivery_ids))):
        now = timezone.now()
        token = _claim(chunk, now)
        claimed = list(
            Delivery.objects.filter(claim_token=token).select_related(
                "notification__recipient", "notification__document"
            )
        )
        if not claimed:
            continue
        for channel, sender in ((Channel.EMAIL, _send_emails), (Channel.SMS, _send_sms)):
            rows = [d for d in claimed if d.channel == channel]
            if rows:
                for status in sender(rows, token):
                    counts[status] += 1
    return dict(counts)


def _send_emails(rows: list[Delivery], token: str):
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # SMTP server unreachable: every row is retried later
        for delivery in rows:
            yield _finish(delivery, token, _describe(exc))
        return
    try:
        for delivery in rows:
            address = delivery.notification.recipient.email
            if not address:
                yield _finish(delivery, token, "The recipient has no e-mail address.", skip=True)
                continue
            try:
                message = email_message(delivery.notification, address, connection=connection)
                sent = message.send()
            except Exception as exc:
                yield _finish(delivery, token, _describe(exc))
            else:
                yield _finish(delivery, token, None if sent else "The backend sent nothing.")
    finally:
        try:
            connection.close()
        except Exception:  # pragma: no cover - closing a broken connection
            logger.debug("Closing the e-mail connection failed.", exc_info=True)


def _send_sms(rows: list[Delivery], token: str):
    backend = get_sms_backend()
    for delivery in rows:
        if not delivery.address:
            yield _finish(delivery, token, "The recipient has no phone number.", skip=True)
            continue
        try:
            backend.send(delivery.address, sms_text(delivery.notification))
        except Exception as exc:
            yield _finish(delivery, token, _describe(exc))
        else:
            yield _finish(delivery, token, None)


# --- sweeping ---------------------------------------------------------------------------


def release_stale_claims(now: dt.datetime | None = None) -> int:
    """Rows left in `sending` longer than the lease (a worker died): back to pending — or,
    if the digest had claimed them, back to the digest (the next digest sends them)."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=_setting("NOTIFICATIONS_SENDING_LEASE_SECONDS", 600))
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - lease)
    released = stale.filter(claim_token__startswith=DIGEST_CLAIM).update(
        status=DeliveryStatus.DIGEST, claim_token="", last_error="Digest claim expired."
    )
    return released + stale.update(
        status=DeliveryStatus.PENDING, claim_token="", last_error="Claim expired."
    )


def sweep(limit: int = 1000) -> dict[str, int]:
    """Deliver every pending row that is due (oldest first, at most `limit`)."""
    now = timezone.now()
    release_stale_claims(now)
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    return deliver(ids)


# --- the daily digest ------------------------------------------------------------------


def send_digests() -> int:
    """One e-mail per user listing their notifications held for the digest; return how
    many e-mails were sent. Held rows go out once: they are claimed before sending and
    return to the digest (with the error recorded) if the e-mail fails."""
    recipients = (
        Delivery.objects.filter(status=DeliveryStatus.DIGEST)
        .values_list("notification__recipient", flat=True)
        .distinct()
    )
    sent = 0
    for recipient_id in list(recipients):
        now = timezone.now()
        token = (DIGEST_CLAIM + uuid.uuid4().hex)[:32]
        Delivery.objects.filter(
            status=DeliveryStatus.DIGEST, notification__recipient=recipient_id
        ).update(
            status=DeliveryStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
        rows = list(
            Delivery.objects.filter(claim_token=token)
            .select_related("notification__recipient")
            .order_by("notification__created_at", "id")
        )
        if not rows:
            continue
        user = rows[0].notification.recipient
        claimed = Delivery.objects.filter(claim_token=token)
        if not user.email:
            claimed.update(
                status=DeliveryStatus.SKIPPED,
                claim_token="",
                last_error="The recipient has no e-mail address.",
            )
            continue
        try:
            with translation.override(settings.LANGUAGE_CODE):
                subject = render_to_string(
                    "notifications/digest_subject.txt", {"count": len(rows), "day": now}
                )
                body = render_to_string(
                    "notifications/digest.txt",
                    {
                        "user": user,
                        "items": [(d.notification, absolute_url(d.notification.url)) for d in rows],
                        "inbox": absolute_url(_inbox_path()),
                    },
                )
            EmailMessage(
                subject=" ".join(subject.split()),
                body=body,
                to=[user.email],
                headers={"Date": mail_date()},
            ).send()
        except Exception as exc:
            claimed.update(status=DeliveryStatus.DIGEST, claim_token="", last_error=_describe(exc))
            logger.warning("Digest for user %s failed: %s", recipient_id, exc)
            continue
        claimed.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), claim_token="")
        sent += 1
    return sent


def _inbox_path() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("notifications:inbox")
    except NoReverseMatch:
        return ""


# --- the Celery task (registered by notifications.tasks) ---------------------------------


@shared_task(name="notifications.deliver")
def deliver_task(delivery_ids: list[int]) -> dict:
    """Deliver outbox rows (e-mail, SMS). A retry or duplicate of this task is a no-op for
    rows already sent. Rows that failed are retried after their backoff: by a delayed
    copy of this task when a broker is configured, and in any case by the sweep."""
    from notifications.models import Delivery, DeliveryStatus

    counts = deliver(delivery_ids)
    if counts.get(DeliveryStatus.PENDING) and not deliver_task.app.conf.task_always_eager:
        retry = list(
            Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING).values_list(
                "pk", "next_attempt_at"
            )
        )
        if retry:
            from django.utils import timezone

            eta = max(when for _, when in retry)
            try:
                deliver_task.apply_async(
                    ([pk for pk, _ in retry],),
                    countdown=max((eta - timezone.now()).total_seconds(), 0) + 1,
                    queue=_setting("NOTIFICATIONS_QUEUE", "") or None,
                )
            except Exception:  # the sweep will find them
                logger.warning("Could not schedule a retry.", exc_info=True)
    return counts


def retry_now(*, actor, deliveries) -> dict[str, int]:
    """An administrator sends the pending or failed among `deliveries` again at once:
    each marked due now (audited: who asked, the delivery's status before), then
    delivered; {status: count} of what came of them."""
    due = list(deliveries.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]))
    if not due:
        return {}
    record_events(
        actor=actor,
        verb="delivery.retry",
        targets=due,
        afters=[{"status_before": d.status, "attempts": d.attempts} for d in due],
    )
    ids = [d.pk for d in due]
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
    )
    return deliver(ids)
