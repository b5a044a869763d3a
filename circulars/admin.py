from django.contrib import admin

from audit.admin_base import ReadOnlyRecordAdmin
from circulars.models import Circular


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
