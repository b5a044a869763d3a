"""In-app inbox, e-mail and official documents.

Notifications (the outbox): a `Notification` is one event for one recipient and is itself
the in-app inbox entry; each external channel (e-mail, SMS) it goes out on has one
`Delivery` row, delivered after commit by a Celery task and retried with backoff. Both are
unique on their idempotency key, so a repeated call or a retried task notifies nobody
twice. `ContactProfile` holds a user's phone number and channel preferences.

Official documents: `DocumentCounter` hands out document numbers per issuer code and year
(strictly sequential, no gaps, allocated inside the issuing transaction), and
`IssuedDocument` keeps every issued PDF with its SHA-256. Nothing here is updated or
deleted: a correction is a new document that supersedes the old one.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DocumentKind(models.TextChoices):
    DISPATCH_NOTICE = "dispatch_notice", _("Dispatch notice")
    ADMISSION_NOTICE = "admission_notice", _("Admission notice")
    MAKEUP_NOTICE = "makeup_notice", _("Makeup notice")
    CIRCULAR = "circular", _("Circular")
    DISPATCH_PLAN = "dispatch_plan", _("Dispatch plan")


class ImmutableError(Exception):
    """Raised on any attempt to change or remove an issued document."""


class DocumentCounter(models.Model):
    """The last document number used by one issuer code in one year.

    Locked (SELECT ... FOR UPDATE) by the issuing transaction, so numbers are handed out
    one at a time and a rolled-back issue gives its number back."""

    issuer_code = models.CharField(_("issuer code"), max_length=16)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [
            models.UniqueConstraint(fields=["issuer_code", "year"], name="doccounter_issuer_year")
        ]

    def __str__(self):
        return f"{self.issuer_code}〔{self.year}〕{self.last_number}"


class IssuedDocumentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError("Issued documents are never changed.")

    def delete(self):
        raise ImmutableError("Issued documents are never deleted.")


class IssuedDocument(models.Model):
    """One issued official document: its number, and the stored PDF with its SHA-256."""

    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    issuer_code = models.CharField(_("issuer code"), max_length=16)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    document_number = models.CharField(_("document number"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=255)
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("subject type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    file = models.FileField(_("PDF file"), upload_to="documents/", max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    pages = models.PositiveSmallIntegerField(_("pages"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)

    objects = IssuedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_code", "year", "number"], name="issueddoc_issuer_year_number"
            ),
            # A document is superseded at most once: versions form a chain, not a tree.
            models.UniqueConstraint(fields=["supersedes"], name="issueddoc_superseded_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="issueddoc_number_positive"),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True, version=1)
                | Q(supersedes__isnull=False, version__gt=1),
                name="issueddoc_version_matches_chain",
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="issueddoc_subject_idx")
        ]

    def __str__(self):
        return f"{self.document_number} {self.title}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("Issued documents are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("Issued documents are never deleted.")


# --- Notifications (issue 5) ---------------------------------------------------------


class Event(models.TextChoices):
    """What happened. Each event has a default template `notifications/events/<event>.txt`."""

    DISPATCHED = "dispatched", pgettext_lazy("notification event", "Dispatched")
    APPROVAL_WAITING = "approval_waiting", pgettext_lazy("notification event", "Approval waiting")
    DECISION_MADE = "decision_made", pgettext_lazy("notification event", "Decision made")
    NOTICE_ISSUED = "notice_issued", pgettext_lazy("notification event", "Notice issued")
    REMINDER = "reminder", pgettext_lazy("notification event", "Reminder")
    ESCALATION = "escalation", pgettext_lazy("notification event", "Escalation")
    MAKEUP_OWED = "makeup_owed", pgettext_lazy("notification event", "Makeup owed")
    CIRCULAR_ISSUED = "circular_issued", pgettext_lazy("notification event", "Circular issued")
    CANCELLED = "cancelled", pgettext_lazy("notification event", "Dispatch cancelled")
    ALLOTTED = "allotted", pgettext_lazy("notification event", "Seats allotted")
    ATTENDANCE_CORRECTED = (
        "attendance_corrected",
        pgettext_lazy("notification event", "Attendance corrected"),
    )


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    DIGEST = "digest", _("Held for the daily digest")


class Notification(models.Model):
    """One event for one recipient: the in-app inbox entry (delivered when committed).

    `key` is the caller's idempotency key for the event; (key, recipient) is unique, so
    notifying the same event twice creates nothing new."""

    key = models.CharField(_("idempotency key"), max_length=200)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    document = models.ForeignKey(
        IssuedDocument,
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    calendar = models.JSONField(
        _("calendar entry"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    requires_ack = models.BooleanField(_("requires acknowledgement"), default=False)
    group = models.CharField(_("group"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_ip = models.GenericIPAddressField(_("acknowledged from IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient"], name="notification_key_recipient"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(requires_ack=True),
                name="notification_ack_only_if_required",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["group"],
                condition=Q(requires_ack=True, acknowledged_at__isnull=True),
                name="notification_unacked_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def enclosure_ids(self) -> list[int]:
        """The issued documents this message carries besides `document`, in order
        (`context["enclosures"]`, their pks): one message about many documents at once,
        e.g. a liaison's reissued notices of several cadres (`services.notify`)."""
        ids = (self.context or {}).get("enclosures") or []
        return [int(pk) for pk in ids if str(pk).isdigit()]


class Delivery(models.Model):
    """One notification on one external channel: the outbox row a task delivers.

    Claimed with a conditional UPDATE (pending and due → sending) before anything is sent,
    so a retried or duplicated task finds nothing to do for a row already sent."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_token = models.CharField(_("claim token"), max_length=32, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_notification_channel"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms"]), name="delivery_external_channel"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.address or '-'} ({self.get_status_display()})"


class ContactProfile(models.Model):
    """A user's phone number and how they want to be notified (no change to auth.User).
    A user without a profile gets e-mail, no SMS, no digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="contact_profile",
    )
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    email_enabled = models.BooleanField(_("notify by e-mail"), default=True)
    sms_enabled = models.BooleanField(_("notify by SMS"), default=False)
    daily_digest = models.BooleanField(
        _("one daily digest e-mail instead of single e-mails"), default=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact profile")
        verbose_name_plural = _("contact profiles")

    def __str__(self):
        return str(self.user)
