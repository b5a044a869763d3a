from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Decision


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.APPROVED, _("Approve")),
            (Decision.REJECTED, _("Reject")),
            (Decision.SENT_BACK, _("Send back")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
