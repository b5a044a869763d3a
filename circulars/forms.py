from django import forms
from django.utils.translation import gettext_lazy as _

from circulars import periods
from circulars.models import CircularPeriod
from circulars.services import BODY_MAX_LENGTH
from core.widgets import DateInput
from org.models import OrgDepartment


class CircularStartForm(forms.Form):
    org_department = forms.ModelChoiceField(
        label=_("Organization department"), queryset=OrgDepartment.objects.none()
    )
    period_kind = forms.ChoiceField(label=_("Period"), choices=CircularPeriod.choices)
    period_start = forms.DateField(label=_("Period start"), widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())

    def clean(self):
        """The period's own rules (`periods.period_errors`: ended, within the ledger's
        days, of the kind the dates make), each on its field; whether the department
        already has a circular for it is for the service, which knows the department
        is the dispatcher's."""
        data = super().clean()
        kind, start, end = (data.get(k) for k in ("period_kind", "period_start", "period_end"))
        if kind and start and end:
            for field, message in periods.period_errors(kind, start, end).items():
                self.add_error(field, message)
        return data


class CircularDraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 24}),
    )
    # Which figures the text was written against (circulars.services.figures_digest).
    figures_seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
