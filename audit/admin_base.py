from django.contrib import admin

from audit.services import record_event, snapshot


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Rows that flows and services write; the admin shows them, never edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class AuditedAdmin(admin.ModelAdmin):
    """Admin writes are audited like service writes; nothing is deleted."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        verb = f"admin.{obj._meta.model_name}.{'update' if change else 'create'}"
        record_event(actor=request.user, verb=verb, target=obj, before=before, after=snapshot(obj))

    def has_delete_permission(self, request, obj=None):
        return False
