from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_type", "target_repr", "request_id"]
    list_filter = ["verb", "target_type"]
    search_fields = ["target_repr", "verb", "request_id"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "target_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # The trail spans every jurisdiction: only superusers read it in admin.
        return request.user.is_active and request.user.is_superuser
