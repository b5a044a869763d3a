from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.admin_base import AuditedAdmin, ReadOnlyRecordAdmin
from audit.services import record_event
from core.permission_names import permission_label, permission_name
from org import policy as org_policy
from org import selectors as org_selectors
from org import services as org_services
from org.forms import CadreForm, UnitForm
from org.models import (
    Cadre,
    CadreTransfer,
    Delegation,
    OrgDepartment,
    Unit,
    UnitGroupObjectPermission,
    UnitUserObjectPermission,
)
from org.roles import group_label


class JurisdictionAdmin(AuditedAdmin):
    """Staff who are not superusers see only rows in their jurisdiction."""

    def reach(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=self.reach(request).values("pk"))


class ServiceCheckedForm:
    """An admin form whose object is written by its service: what the service refuses
    (`check`, asked with the signed-in `actor`) is refused on the form, beside its
    field, before the admin saves — never a 500 from the save."""

    actor = None  # set by the admin's get_form: whose permissions the service asks

    @staticmethod
    def check(actor, instance):
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the form's values
        if self._errors:
            return
        try:
            self.check(self.actor, self.instance)
        except PermissionDenied as exc:
            self.add_error(None, str(exc))
        except ValidationError as exc:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for field, messages in errors.items():
                self.add_error(field if field in self.fields else None, messages)


class ServiceWrittenAdmin(JurisdictionAdmin):
    """Saved through the model's service (`write`: its rules, its audit event, what it
    tells other apps), the form having asked the service's checks."""

    @staticmethod
    def write(actor, obj):
        raise NotImplementedError

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class on each call
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            self.write(request.user, obj)


class UnitAdminForm(ServiceCheckedForm, UnitForm):
    check = staticmethod(org_services.check_unit)


@admin.register(Unit)
class UnitAdmin(ServiceWrittenAdmin):
    form = UnitAdminForm
    list_display = ["name", "code", "kind", "parent", "depth"]
    list_filter = ["kind", "depth"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]

    def reach(self, request):
        return org_selectors.units_in_reach(request.user)

    @staticmethod
    def write(actor, unit):
        org_services.unit_save(actor=actor, unit=unit)


class OrgDepartmentAdminForm(forms.ModelForm):
    """The import's rules on the admin page: the units within the signed-in user's
    jurisdiction as a dispatcher (a superuser's: all), and a jurisdiction moved only
    where it still holds every cadre the department manages
    (`org.policy.jurisdiction_change_refusal`)."""

    actor = None  # set by the admin's get_form

    class Meta:
        model = OrgDepartment
        fields = ["unit", "jurisdiction", "issuer_code", "seal", "contact_person", "contact_phone"]

    def clean(self):
        cleaned = super().clean()
        if self.actor is not None and not self.actor.is_superuser:
            reach = org_selectors.units_in_reach(self.actor, org_policy.DISPATCHER_PERMISSION)
            for name in ("unit", "jurisdiction"):
                unit = cleaned.get(name)
                if unit is not None and not reach.filter(pk=unit.pk).exists():
                    self.add_error(
                        name,
                        _("The unit %(code)s (%(name)s) is outside your jurisdiction.")
                        % {"code": unit.code, "name": unit.name},
                    )
        root = cleaned.get("jurisdiction")
        if root is not None and self.instance.pk and self.instance.jurisdiction_id != root.pk:
            refusal = org_policy.jurisdiction_change_refusal(
                department_id=self.instance.pk,
                department_name=self.instance.unit.name,
                root_path=root.path,
                root_name=root.name,
            )
            if refusal:
                self.add_error("jurisdiction", refusal)
        return cleaned


@admin.register(OrgDepartment)
class OrgDepartmentAdmin(JurisdictionAdmin):
    form = OrgDepartmentAdminForm
    list_display = ["__str__", "issuer_code", "jurisdiction"]
    list_select_related = ["unit", "jurisdiction"]
    autocomplete_fields = ["unit", "jurisdiction"]

    def reach(self, request):
        return org_selectors.org_department_list(request.user)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class on each call
        form.actor = request.user
        return form


class CadreAdminForm(ServiceCheckedForm, CadreForm):
    """The cadre form with the user account the cadre signs in with (the trainee's own
    record and acknowledgements hang on it); an account belongs to one cadre at most.
    The rest is `cadre_save`'s to refuse (its checks asked on the form)."""

    class Meta(CadreForm.Meta):
        fields = [*CadreForm.Meta.fields, "user"]

    check = staticmethod(org_services.check_cadre)

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
class CadreAdmin(ServiceWrittenAdmin):
    form = CadreAdminForm
    list_display = ["name", "gender", "masked_id_number", "unit", "position", "category"]
    list_filter = ["category", "gender", "is_leadership_member", "is_young_cadre"]
    search_fields = ["name", "position", "unit__name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "user"]

    def reach(self, request):
        return org_selectors.cadres_in_reach(request.user)

    @staticmethod
    def write(actor, cadre):
        org_services.cadre_save(actor=actor, cadre=cadre)


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


class _GrantAdmin(ReadOnlyAdmin):
    @admin.display(description=gettext_lazy("permission"), ordering="permission")
    def permission_shown(self, obj):
        return permission_name(obj.permission)


@admin.register(UnitUserObjectPermission)
class UnitUserObjectPermissionAdmin(_GrantAdmin):
    list_display = ["user", "permission_shown", "content_object"]
    list_select_related = ["user", "permission__content_type", "content_object"]
    search_fields = ["user__username", "content_object__name"]


@admin.register(UnitGroupObjectPermission)
class UnitGroupObjectPermissionAdmin(_GrantAdmin):
    list_display = ["group", "permission_shown", "content_object"]
    list_select_related = ["group", "permission__content_type", "content_object"]


def _account_snapshot(user) -> dict:
    """What an account's audit event keeps: never its password's hash."""
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)) if user.pk else [],
        # Global permissions given to the account itself (the user form edits them too).
        "user_permissions": (
            sorted(
                f"{app}.{codename}"
                for app, codename in user.user_permissions.values_list(
                    "content_type__app_label", "codename"
                )
            )
            if user.pk
            else []
        ),
    }


class _AuditedWithRelations:
    """An admin whose change is audited once its many-to-many fields (groups,
    permissions) are saved too: `snapshot(obj)` before and after, `admin.<noun>.*`;
    its permissions listed by their names in the user's language."""

    noun = ""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.related_model is Permission:
            field.label_from_instance = permission_label
        elif db_field.related_model is Group:
            field.label_from_instance = group_label
        return field

    @staticmethod
    def snapshot(obj) -> dict:
        raise NotImplementedError

    def remember_before(self, request, obj, change) -> None:
        request._audit_before = self.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        record_event(
            actor=request.user,
            verb=f"admin.{self.noun}.{'update' if change else 'create'}",
            target=form.instance,
            before=getattr(request, "_audit_before", None),
            after=self.snapshot(form.instance),
        )

    def has_delete_permission(self, request, obj=None):
        return False


# People and role groups are never deleted either: deactivate a user instead, so their
# audit trail and the tasks they did keep pointing at them. Every change is audited, its
# groups included; a deactivation goes through the account service (the tasks the
# account claimed go back to the queue).
class KeepUserAdmin(_AuditedWithRelations, UserAdmin):
    noun = "user"
    snapshot = staticmethod(_account_snapshot)

    def save_model(self, request, obj, form, change):
        self.remember_before(request, obj, change)
        deactivated = change and request._audit_before["is_active"] and not obj.is_active
        if deactivated:
            obj.is_active = True  # the service deactivates it, below
        super().save_model(request, obj, form, change)
        if deactivated:
            org_services.account_set_active(actor=request.user, user=obj, active=False)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            record_event(
                actor=request.user, verb="admin.user.password", target=User.objects.get(pk=id)
            )
        return response


class KeepGroupAdmin(_AuditedWithRelations, GroupAdmin):
    noun = "group"

    @staticmethod
    def snapshot(obj) -> dict:
        return _group_snapshot(obj)

    def save_model(self, request, obj, form, change):
        self.remember_before(request, obj, change)
        super().save_model(request, obj, form, change)


def _group_snapshot(group) -> dict:
    return {
        "name": group.name,
        "permissions": sorted(
            f"{app}.{code}"
            for app, code in group.permissions.values_list("content_type__app_label", "codename")
        ),
    }


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyRecordAdmin):
    list_display = ["delegator", "delegate", "permission", "starts_on", "ends_on", "revoked"]


@admin.register(CadreTransfer)
class CadreTransferAdmin(ReadOnlyRecordAdmin):
    list_display = ["cadre", "from_unit", "to_unit", "changed_at", "changed_by", "source"]
    list_filter = ["source"]
    search_fields = ["cadre__name"]
    list_select_related = ["cadre", "from_unit", "to_unit", "changed_by"]


admin.site.unregister(User)
admin.site.register(User, KeepUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, KeepGroupAdmin)
