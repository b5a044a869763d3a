from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist

from audit.services import record_event, snapshot
from core.http import positive_int


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

    def get_changeform_initial_data(self, request):
        """Django's initial values from the query string (`?unit=3`), without a related
        row's id that no row can have: the form would ask the database for it (SQLite:
        OverflowError, a 500)."""
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not field.is_relation:
                continue
            if isinstance(value, list):
                initial[name] = [v for v in value if positive_int(v) is not None]
            elif positive_int(value) is None:
                del initial[name]
        return initial

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        verb = f"admin.{obj._meta.model_name}.{'update' if change else 'create'}"
        record_event(actor=request.user, verb=verb, target=obj, before=before, after=snapshot(obj))

    def has_delete_permission(self, request, obj=None):
        return False
