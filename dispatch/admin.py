from django.contrib import admin

from audit.services import record_event, snapshot

from . import selectors
from .forms import CadreForm, TrainingClassForm, UnitForm
from .models import (
    Cadre,
    Institution,
    OrgDepartment,
    TrainingClass,
    Unit,
    UnitGroupObjectPermission,
    UnitUserObjectPermission,
)


class AuditedAdmin(admin.ModelAdmin):
    """Admin writes are audited like service writes; nothing is deleted."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        verb = f"admin.{obj._meta.model_name}.{'update' if change else 'create'}"
        record_event(actor=request.user, verb=verb, target=obj, before=before, after=snapshot(obj))

    def has_delete_permission(self, request, obj=None):
        return False


class JurisdictionAdmin(AuditedAdmin):
    """Staff who are not superusers see only rows in their jurisdiction."""

    def reach(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=self.reach(request).values("pk"))


@admin.register(Unit)
class UnitAdmin(JurisdictionAdmin):
    form = UnitForm
    list_display = ["name", "code", "kind", "parent", "depth"]
    list_filter = ["kind", "depth"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]

    def reach(self, request):
        return selectors.units_in_reach(request.user)


@admin.register(OrgDepartment)
class OrgDepartmentAdmin(JurisdictionAdmin):
    list_display = ["__str__", "issuer_code", "jurisdiction"]
    list_select_related = ["unit", "jurisdiction"]
    autocomplete_fields = ["unit", "jurisdiction"]

    def reach(self, request):
        return OrgDepartment.objects.filter(unit__in=selectors.units_in_reach(request.user))


@admin.register(Institution)
class InstitutionAdmin(JurisdictionAdmin):
    list_display = ["__str__", "kind", "address"]
    list_filter = ["kind"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]

    def reach(self, request):
        return Institution.objects.filter(unit__in=selectors.units_in_reach(request.user))


@admin.register(Cadre)
class CadreAdmin(JurisdictionAdmin):
    form = CadreForm
    list_display = ["name", "gender", "masked_id_number", "unit", "position", "category"]
    list_filter = ["category", "gender", "is_leadership_member", "is_young_cadre"]
    search_fields = ["name", "position", "unit__name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "user"]

    def reach(self, request):
        return selectors.cadres_in_reach(request.user)


@admin.register(TrainingClass)
class TrainingClassAdmin(JurisdictionAdmin):
    form = TrainingClassForm
    list_display = ["name", "institution", "organizer", "kind", "start_date", "end_date", "quota"]
    list_filter = ["kind", "institution"]
    search_fields = ["name"]
    date_hierarchy = "start_date"
    list_select_related = ["institution__unit", "organizer__unit"]

    def reach(self, request):
        return selectors.classes_in_reach(request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Grants are written by `role_grant` (audited), never edited by hand here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(UnitUserObjectPermission)
class UnitUserObjectPermissionAdmin(ReadOnlyAdmin):
    list_display = ["user", "permission", "content_object"]
    list_select_related = ["user", "permission", "content_object"]
    search_fields = ["user__username", "content_object__name"]


@admin.register(UnitGroupObjectPermission)
class UnitGroupObjectPermissionAdmin(ReadOnlyAdmin):
    list_display = ["group", "permission", "content_object"]
    list_select_related = ["group", "permission", "content_object"]
