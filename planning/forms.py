from django import forms
from django.utils.translation import gettext_lazy as _

from core.validation import REASON_MAX_LENGTH
from core.widgets import DateInput, DateTimeInput
from dispatch.models import ClassKind, Institution
from org.models import CadreCategory, OrgDepartment
from planning.models import LineMode


class PlanStartForm(forms.Form):
    org_department = forms.ModelChoiceField(
        label=_("Organization department"), queryset=OrgDepartment.objects.none()
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)


class PlanSubmitForm(forms.Form):
    deadline = forms.DateTimeField(label=_("Consultation deadline"), widget=DateTimeInput())


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class LineForm(forms.Form):
    """A class of the plan. Seats per unit, cadres named and sessions are lines of text:
    ``unit code: seats``, ``ID number or name`` and
    ``date, hours, content, teacher, leading(1/0), title``."""

    name = forms.CharField(label=_("Class name"), max_length=128)
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.select_related("unit")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ClassKind.choices)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    report_date = forms.DateField(label=_("Report date"), widget=DateInput(), required=False)
    dispatch_date = forms.DateField(
        label=_("Dispatch date"),
        widget=DateInput(),
        required=False,
        help_text=_("When the roll call starts; by default 30 days before the report date."),
    )
    hours = forms.DecimalField(label=_("Hours"), max_digits=6, decimal_places=1, min_value=0.1)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=366)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10_000)
    target_categories = forms.MultipleChoiceField(
        label=_("Target cadre categories"),
        choices=CadreCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=LineMode.choices)
    allocations = forms.CharField(
        label=_("Seats per unit"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One unit a line: unit code: seats"),
    )
    cadres = forms.CharField(
        label=_("Cadres named"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a named roll call: one cadre a line, ID number or name"),
    )
    partner = forms.ModelChoiceField(
        label=_("Partner organization department"),
        queryset=OrgDepartment.objects.select_related("unit"),
        required=False,
    )
    partner_seats = forms.IntegerField(
        label=_("Seats offered to the partner"), min_value=0, max_value=10_000, required=False
    )
    sessions = forms.CharField(
        label=_("Sessions"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One session a line: date, hours, content, teacher, leading cadre (1/0), title"
        ),
    )


class PartnerNominateForm(forms.Form):
    cadres = forms.CharField(
        label=_("ID numbers or names of the cadres"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One cadre a line."),
    )
