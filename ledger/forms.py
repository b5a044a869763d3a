from django import forms
from django.utils.translation import gettext_lazy as _

from core import spreadsheets
from core.validation import REASON_MAX_LENGTH
from core.widgets import DateInput
from ledger.models import HourKind
from org.models import Cadre


class RecognitionForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("Cadre"), queryset=Cadre.objects.none())
    date = forms.DateField(label=_("Date"), widget=DateInput())
    hours = forms.DecimalField(label=_("Credit hours"), max_digits=6, decimal_places=1)
    kind = forms.ChoiceField(label=_("Kind of training"), choices=HourKind.choices)
    provider = forms.CharField(label=_("Platform or institution"), max_length=100)
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class HourImportForm(forms.Form):
    file = forms.FileField(
        label=_("Export of the online platform (.xlsx or .csv)"),
        help_text=_("Columns: 身份证号码, 姓名, 学习日期, 学时, 课程, 平台."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused by its size before a byte of it is read.
        spreadsheets.check_upload_size(upload.size)
        return upload
