"""Tokens in the admin: issue one (the key is shown once, on the page after saving) and
revoke with an action. Nothing is edited or deleted; every issue and revocation is
audited by `api.services`."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api import services
from api.models import ApiToken


class TokenIssueForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.action(description=gettext_lazy("Revoke the selected tokens"))
def revoke_tokens(model_admin, request, queryset):
    revoked = sum(services.token_revoke(actor=request.user, token=t) for t in queryset)
    model_admin.message_user(
        request,
        _("Tokens revoked: %(count)d.") % {"count": revoked},
        messages.SUCCESS,
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "prefix"]
    actions = [revoke_tokens]
    readonly_fields = ["user", "name", "prefix", "created_at", "created_by", "last_used_at"]
    readonly_fields += ["revoked_at"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        # The change page is read-only; the list needs it for the revoke action.
        return request.user.is_active and request.user.is_superuser and obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TokenIssueForm
            kwargs["fields"] = ["user", "name"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, key = services.token_issue(
            actor=request.user, user=form.cleaned_data["user"], name=form.cleaned_data["name"]
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _("The token's key, shown only this once (keep it safe): %(key)s") % {"key": key},
        )
