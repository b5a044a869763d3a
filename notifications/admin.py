from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from notifications import outbox
from notifications.models import (
    ContactProfile,
    Delivery,
    DeliveryStatus,
    DocumentCounter,
    IssuedDocument,
    Notification,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Issued documents and counters change only through `issue_document`."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["document_number", "title", "kind", "version", "pages", "issued_at"]
    list_filter = ["kind", "issuer_code", "year"]
    search_fields = ["document_number", "title", "sha256"]
    date_hierarchy = "issued_at"
    list_select_related = ["issued_by"]


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    list_display = ["issuer_code", "year", "last_number"]


# --- Notifications (issue 5) ---------------------------------------------------------


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = [
        "channel",
        "status",
        "address",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "event", "title", "read_at", "acknowledged_at"]
    list_filter = ["event", "requires_ack"]
    search_fields = ["key", "title", "group", "recipient__username"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The outbox: failed and retrying e-mails and SMS are listed here (filter by status)."""

    list_display = [
        "created_at",
        "channel",
        "status",
        "address",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["address", "notification__key", "notification__title", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["notification"]
    actions = ["retry_now"]

    @admin.action(description=_("Send again now"), permissions=["view"])
    def retry_now(self, request, queryset):
        counts = outbox.retry_now(actor=request.user, deliveries=queryset)
        summary = pgettext("list separator", ", ").join(
            _("%(status)s: %(count)s") % {"status": DeliveryStatus(k).label, "count": v}
            for k, v in sorted(counts.items())
        )
        self.message_user(request, summary or _("Nothing was pending or failed."))

    def has_view_permission(self, request, obj=None):
        # Deliveries show addresses from every jurisdiction: superusers only.
        return request.user.is_active and request.user.is_superuser


@admin.register(ContactProfile)
class ContactProfileAdmin(ReadOnlyAdmin):
    list_display = ["user", "phone", "email_enabled", "sms_enabled", "daily_digest", "updated_at"]
    list_filter = ["email_enabled", "sms_enabled", "daily_digest"]
    search_fields = ["user__username", "phone"]
    list_select_related = ["user"]
