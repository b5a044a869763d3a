from django.contrib import admin

from approvals.models import ApprovalRequest, ApprovalStep


class ReadOnly(admin.ModelAdmin):
    """Approval rows are written by the approval flow and services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class StepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 0
    can_delete = False
    fields = [
        "round",
        "stage",
        "label",
        "decision",
        "comment",
        "decided_by",
        "on_behalf_of",
        "decided_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnly):
    list_display = ["title", "kind", "status", "requested_by", "created_at", "decided_at"]
    list_filter = ["kind", "status"]
    inlines = [StepInline]


@admin.register(ApprovalStep)
class ApprovalStepAdmin(ReadOnly):
    list_display = ["request", "round", "stage", "label", "decision", "decided_by"]
    list_filter = ["decision", "stage"]
