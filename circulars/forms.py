from django import forms
from django.utils.translation import gettext_lazy as _

from circulars.models import CircularPeriod
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
        data = super().clean()
        if (
            data.get("period_start")
            and data.get("period_end")
            and data["period_end"] < data["period_start"]
        ):
            self.add_error("period_end", _("The period cannot end before it starts."))
        return data


class CircularDraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 24})
    )
    # Which figures the text was written against (circulars.services.figures_digest).
    figures_seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
