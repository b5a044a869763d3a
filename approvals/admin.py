from django.contrib import admin
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext_lazy as _

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


class KindFilter(admin.SimpleListFilter):
    """The kinds requests were made of, by the names their callers gave them."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        label = KeyTextTransform("request_kind", "context")
        found = list(
            ApprovalRequest.objects.values_list("kind", label).order_by("kind", label).distinct()
        )
        named = {kind: kind for kind, _name in found}
        # a name where any request of the kind has one, not its bare code
        named.update({kind: name for kind, name in found if name})
        return list(named.items())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnly):
    list_display = ["title", "kind_shown", "status", "requested_by", "created_at", "decided_at"]
    list_filter = [KindFilter, "status"]
    inlines = [StepInline]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, obj):
        return obj.kind_label


@admin.register(ApprovalStep)
class ApprovalStepAdmin(ReadOnly):
    list_display = ["request", "round", "stage", "label", "decision", "decided_by"]
    list_filter = ["decision", "stage"]
