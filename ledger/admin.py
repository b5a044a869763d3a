from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from audit.admin_base import ReadOnlyRecordAdmin
from audit.services import record_event, snapshot
from core.http import positive_int
from ledger.models import (
    CadreCycleRule,
    HourImport,
    HourImportRow,
    HourRecord,
    HourTotal,
    IndicatorRule,
)
from ledger.services import rule_revise
from ledger.standing_models import ComplianceDay, ComplianceStanding
from org.models import (
    CadreCategory,
)


@admin.register(HourTotal)
class HourTotalAdmin(ReadOnlyRecordAdmin):
    """Derived from the hour records (`manage.py rebuild_hour_totals`): shown, never edited."""

    list_display = ["cadre", "kind", "year", "hours", "days", "records"]
    list_filter = ["kind", "year"]
    search_fields = ["cadre__name"]
    list_select_related = ["cadre"]


@admin.register(ComplianceDay)
class ComplianceDayAdmin(ReadOnlyRecordAdmin):
    """The days whose compliance standings are stored (`manage.py recount_compliance`)."""

    list_display = ["as_of", "cadres", "counted_at"]


@admin.register(ComplianceStanding)
class ComplianceStandingAdmin(ReadOnlyRecordAdmin):
    """Derived from the hour totals and the rules (`ledger.standings`): shown, never edited."""

    list_display = ["as_of", "cadre", "severity", "shortfall"]
    list_filter = ["as_of", "severity"]
    search_fields = ["name"]
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


@admin.register(HourImportRow)
class HourImportRowAdmin(ReadOnlyRecordAdmin):
    """The checked lines of an hours file, for tracing what an import credited or refused."""

    list_display = ["hour_import", "line", "id_number", "name", "date", "hours", "errors"]
    list_select_related = ["hour_import"]
    raw_id_fields = ["hour_import", "cadre"]


class VersionedRuleForm(forms.ModelForm):
    """For the rules revised as new versions (`rule_revise`): a change to the
    version in force is checked as the next version it will become, so a refusal is a
    form error."""

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.has_changed() and not self.errors:
            original = type(self.instance).objects.get(pk=self.instance.pk)
            fields = {
                name: data[name]
                for name in self.changed_data
                if name != "effective_from" and name in data
            }
            try:
                original.next_version(data.get("effective_from"), **fields)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.error_dict.items():
                        self.add_error(name if name in self.fields else None, errors)
                else:
                    self.add_error(None, exc)
        return data

    def _post_clean(self):
        # A change is saved as a new version; the row being edited keeps its values.
        if self.instance.pk:
            return
        super()._post_clean()


class VersionedRuleAdmin(admin.ModelAdmin):
    """Rules as data with versions: saving a change to the version in force creates the
    next version from the chosen date; older versions stay as the history."""

    form = VersionedRuleForm
    readonly_fields = ["version", "supersedes", "effective_to", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and (obj is None or obj.in_force)

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
        original = type(obj).objects.get(pk=obj.pk)
        changed = {
            name: form.cleaned_data[name] for name in form.changed_data if name != "effective_from"
        }
        revision = rule_revise(
            actor=request.user,
            rule=original,
            effective_from=form.cleaned_data["effective_from"],
            **changed,
        )
        for field in type(obj)._meta.concrete_fields:
            setattr(obj, field.attname, getattr(revision, field.attname))


class IndicatorRuleForm(VersionedRuleForm):
    """An indicator rule's categories are chosen from the list of cadre categories."""

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


@admin.register(IndicatorRule)
class IndicatorRuleAdmin(VersionedRuleAdmin):
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
    object_history_template = "admin/ledger/indicatorrule/object_history.html"

    @admin.display(description=IndicatorRule._meta.get_field("categories").verbose_name)
    def categories_display(self, obj):
        return obj.get_categories_display()

    def history_view(self, request, object_id, extra_context=None):
        rule = IndicatorRule.objects.filter(pk=positive_int(object_id)).first()
        versions = IndicatorRule.objects.filter(code=rule.code).order_by("version") if rule else []
        extra_context = {**(extra_context or {}), "versions": versions, "rule": rule}
        return super().history_view(request, object_id, extra_context)


@admin.register(CadreCycleRule)
class CadreCycleRuleAdmin(VersionedRuleAdmin):
    list_display = ["kind", "version", "years", "min_days", "effective_from", "effective_to"]
    list_filter = ["kind"]
    fields = [
        "kind",
        "years",
        "min_days",
        "hours_per_day",
        "effective_from",
        "effective_to",
        "description",
        "version",
        "supersedes",
        "created_at",
    ]
