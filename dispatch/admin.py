from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.admin_base import ReadOnlyRecordAdmin
from dispatch import selectors
from dispatch.forms import TrainingClassForm
from dispatch.models import (
    ClassSession,
    Dispatch,
    DispatchTally,
    Filing,
    Institution,
    Makeup,
    QuotaAllocation,
    RollCall,
    TeachingIndicatorRule,
    TrainingClass,
)
from dispatch.services.classes import class_save_audited, require_class_allowed
from ledger.admin import VersionedRuleAdmin
from org.admin import JurisdictionAdmin


@admin.register(Institution)
class InstitutionAdmin(JurisdictionAdmin):
    list_display = ["__str__", "kind", "capacity", "address"]
    list_filter = ["kind"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]

    def reach(self, request):
        return selectors.institution_list(request.user)


class TrainingClassAdminForm(TrainingClassForm):
    """The class form of the admin: the class service's refusals (seats, and the dates
    and hours of a class whose attendance is recorded) shown as the form's errors."""

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            try:
                require_class_allowed(self.instance)
            except ValidationError as exc:
                self._update_errors(exc)


@admin.register(TrainingClass)
class TrainingClassAdmin(JurisdictionAdmin):
    form = TrainingClassAdminForm
    list_display = ["name", "institution", "organizer", "kind", "start_date", "end_date", "quota"]
    list_filter = ["kind", "institution"]
    search_fields = ["name"]
    date_hierarchy = "start_date"
    list_select_related = ["institution__unit", "organizer__unit"]

    def reach(self, request):
        return selectors.classes_in_reach(request.user)

    def save_model(self, request, obj, form, change):
        """Through the class service's write (audited `class.*`): a class moved here
        re-arms its dispatches' timers and moves its attendance tasks like anywhere else."""
        with transaction.atomic():
            class_save_audited(actor=request.user, training_class=obj)


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


@admin.register(DispatchTally)
class DispatchTallyAdmin(ReadOnlyRecordAdmin):
    """Kept by database triggers (`dispatch.tally`; `manage.py rebuild_dispatch_tally`):
    shown, never edited."""

    list_display = ["unit", "training_class", "status", "dispatches", "notified", "acknowledged"]
    list_filter = ["status"]
    list_select_related = ["unit", "training_class"]


@admin.register(Makeup)
class MakeupAdmin(ReadOnlyRecordAdmin):
    list_display = ["cadre", "reason", "due_date", "status", "escalated"]
    list_filter = ["status", "escalated"]
    list_select_related = ["cadre"]


@admin.register(Filing)
class FilingAdmin(ReadOnlyRecordAdmin):
    list_display = ["title", "unit", "start_date", "end_date", "hours", "status"]
    list_filter = ["status"]
    list_select_related = ["unit"]


@admin.register(TeachingIndicatorRule)
class TeachingIndicatorRuleAdmin(VersionedRuleAdmin):
    list_display = ["measure", "version", "min_percent", "effective_from", "effective_to"]
    list_filter = ["measure"]
    fields = [
        "measure",
        "min_percent",
        "effective_from",
        "effective_to",
        "description",
        "version",
        "supersedes",
        "created_at",
    ]


@admin.register(ClassSession)
class ClassSessionAdmin(ReadOnlyRecordAdmin):
    """Kept on the class's curriculum pages (`class_session_save`); shown here."""

    list_display = ["title", "training_class", "date", "hours", "content", "by_leading_cadre"]
    list_filter = ["content", "by_leading_cadre"]
    search_fields = ["title", "teacher", "training_class__name"]
    list_select_related = ["training_class"]
