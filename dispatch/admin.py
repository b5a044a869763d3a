from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from audit.services import record_event, snapshot

from . import selectors
from .forms import CadreForm, TrainingClassForm, UnitForm
from .models import (
    Cadre,
    CadreCategory,
    Circular,
    Dispatch,
    Filing,
    HourImport,
    HourRecord,
    IndicatorRule,
    Institution,
    Makeup,
    OrgDepartment,
    QuotaAllocation,
    RollCall,
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


class CadreAdminForm(CadreForm):
    """The cadre form with the user account the cadre signs in with (the trainee's own
    record and acknowledgements hang on it); an account belongs to one cadre at most."""

    class Meta(CadreForm.Meta):
        fields = [*CadreForm.Meta.fields, "user"]

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if user is not None:
            other = Cadre.objects.filter(user=user).exclude(pk=self.instance.pk).first()
            if other is not None:
                raise ValidationError(
                    _("The user account %(user)s is already linked to the cadre %(cadre)s.")
                    % {"user": user.get_username(), "cadre": other.name}
                )
        return user


@admin.register(Cadre)
class CadreAdmin(JurisdictionAdmin):
    form = CadreAdminForm
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


@admin.register(RollCall)
class RollCallAdmin(ReadOnlyRecordAdmin):
    list_display = ["training_class", "mode", "org_department", "response_deadline", "status"]
    list_filter = ["mode", "status"]
    list_select_related = ["training_class", "org_department__unit"]


@admin.register(QuotaAllocation)
class QuotaAllocationAdmin(ReadOnlyRecordAdmin):
    list_display = ["roll_call", "unit", "seats", "status", "times_returned"]
    list_filter = ["status"]
    list_select_related = ["roll_call__training_class", "unit"]


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyRecordAdmin):
    list_display = ["cadre", "unit", "training_class", "kind", "status", "escalated"]
    list_filter = ["status", "kind", "escalated"]
    search_fields = ["cadre__name", "training_class__name"]
    list_select_related = ["cadre", "unit", "training_class"]


@admin.register(Makeup)
class MakeupAdmin(ReadOnlyRecordAdmin):
    list_display = ["cadre", "reason", "due_date", "status", "escalated"]
    list_filter = ["status", "escalated"]
    list_select_related = ["cadre"]


@admin.register(HourRecord)
class HourRecordAdmin(ReadOnlyRecordAdmin):
    list_display = ["cadre", "date", "hours", "days", "kind", "source", "status"]
    list_filter = ["kind", "source", "status"]
    search_fields = ["cadre__name", "source_key"]
    list_select_related = ["cadre"]


@admin.register(HourImport)
class HourImportAdmin(ReadOnlyRecordAdmin):
    list_display = ["file_name", "uploaded_by", "created_at", "committed_at"]


@admin.register(Filing)
class FilingAdmin(ReadOnlyRecordAdmin):
    list_display = ["title", "unit", "start_date", "end_date", "hours", "status"]
    list_filter = ["status"]
    list_select_related = ["unit"]


@admin.register(Circular)
class CircularAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "title",
        "org_department",
        "period_start",
        "period_end",
        "status",
        "document_number",
    ]
    list_filter = ["status", "period_kind"]
    list_select_related = ["org_department__unit"]


class IndicatorRuleForm(forms.ModelForm):
    """Adding a rule checks it like any model; changing the version in force checks the
    next version it will become (from the new effective date), so a refusal is a form
    error, never a server error."""

    categories = forms.MultipleChoiceField(
        label=IndicatorRule._meta.get_field("categories").verbose_name,
        help_text=IndicatorRule._meta.get_field("categories").help_text,
        choices=CadreCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = IndicatorRule
        fields = [
            "code",
            "group",
            "categories",
            "kind",
            "window",
            "min_hours",
            "alt_min_days",
            "hours_per_day",
            "effective_from",
            "description",
        ]

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.has_changed() and not self.errors:
            from .services.ledger import rule_revision

            original = IndicatorRule.objects.get(pk=self.instance.pk)
            fields = {
                name: data[name]
                for name in self.changed_data
                if name != "effective_from" and name in data
            }
            try:
                rule_revision(original, data.get("effective_from"), **fields)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.error_dict.items():
                        self.add_error(name if name in self.fields else None, errors)
                else:
                    self.add_error(None, exc)
        return data

    def _post_clean(self):
        # A change is saved as a new version (checked in clean()); the row being edited
        # keeps its values, so it is not validated with the new ones.
        if self.instance.pk:
            return
        super()._post_clean()


@admin.register(IndicatorRule)
class IndicatorRuleAdmin(admin.ModelAdmin):
    """Rules are data an org department may correct. Saving a change to the version in
    force creates the next version from the chosen date; older versions stay as they are
    (the history), so earlier evaluations keep naming the version they used."""

    form = IndicatorRuleForm
    list_display = [
        "code",
        "version",
        "group",
        "categories_display",
        "kind",
        "window",
        "min_hours",
        "alt_min_days",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["group", "kind", "window"]
    readonly_fields = ["version", "supersedes", "effective_to", "created_at"]
    fields = [
        "code",
        "group",
        "categories",
        "kind",
        "window",
        "min_hours",
        "alt_min_days",
        "hours_per_day",
        "effective_from",
        "effective_to",
        "description",
        "version",
        "supersedes",
        "created_at",
    ]
    object_history_template = "admin/dispatch/indicatorrule/object_history.html"

    @admin.display(description=IndicatorRule._meta.get_field("categories").verbose_name)
    def categories_display(self, obj):
        return obj.get_categories_display()

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        in_force = obj is None or (obj.effective_to is None and not hasattr(obj, "superseded_by"))
        return request.user.is_superuser and in_force

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def save_model(self, request, obj, form, change):
        if not change:
            obj.full_clean()
            obj.save()
            record_event(actor=request.user, verb="rule.create", target=obj, after=snapshot(obj))
            return
        if not form.has_changed():
            return
        original = IndicatorRule.objects.get(pk=obj.pk)
        changed = {
            name: form.cleaned_data[name] for name in form.changed_data if name != "effective_from"
        }
        from .services.ledger import rule_revise

        revision = rule_revise(
            actor=request.user,
            rule=original,
            effective_from=form.cleaned_data["effective_from"],
            **changed,
        )
        # The admin goes on (message, log entry, redirect) with the new version.
        for field in IndicatorRule._meta.concrete_fields:
            setattr(obj, field.attname, getattr(revision, field.attname))

    def history_view(self, request, object_id, extra_context=None):
        rule = IndicatorRule.objects.filter(pk=_positive_int(object_id)).first()
        versions = IndicatorRule.objects.filter(code=rule.code).order_by("version") if rule else []
        extra_context = {**(extra_context or {}), "versions": versions, "rule": rule}
        return super().history_view(request, object_id, extra_context)


def _positive_int(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() else None


# People and role groups are never deleted either: deactivate a user instead, so their
# audit trail and the tasks they did keep pointing at them.
class KeepUserAdmin(UserAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


class KeepGroupAdmin(GroupAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(User)
admin.site.register(User, KeepUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, KeepGroupAdmin)

# Viewflow's process and task admins, and anything else registered before us: the same rule.
admin.site.disable_action("delete_selected")
for _model_admin in admin.site._registry.values():
    _model_admin.has_delete_permission = lambda request, obj=None: False
