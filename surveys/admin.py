from django.contrib import admin

from audit.admin_base import ReadOnlyRecordAdmin
from surveys.models import Survey, SurveyAnswer


@admin.register(Survey)
class SurveyAdmin(ReadOnlyRecordAdmin):
    list_display = ["title", "org_department", "year", "deadline", "status"]
    list_filter = ["status", "year"]
    list_select_related = ["org_department__unit"]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyRecordAdmin):
    list_display = ["survey", "unit", "status", "escalated", "submitted_at", "decided_at"]
    list_filter = ["status", "escalated"]
    list_select_related = ["survey", "unit"]
