from django.contrib import admin

from feedback import services
from feedback.models import FollowUpSetting


@admin.register(FollowUpSetting)
class FollowUpSettingAdmin(admin.ModelAdmin):
    """How many months after a class its follow-ups come, per organization department;
    saved through the service, so each change is audited."""

    list_display = ("org_department", "months")
    list_select_related = ("org_department__unit",)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("org_department",) if obj else ()

    def save_model(self, request, obj, form, change):
        saved = services.follow_up_setting_save(
            actor=request.user, org_department=obj.org_department, months=obj.months
        )
        obj.pk = saved.pk
