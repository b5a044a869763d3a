from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core import spreadsheets
from core.fields import IdsChoiceField
from core.http import SEARCH_MAX_LENGTH
from core.validation import REASON_MAX_LENGTH, validate_attachment
from core.widgets import DateInput, MultiPicker
from ledger import compliance
from ledger.models import HourKind, HourSource, HourStatus
from org import selectors as org_selectors
from org.models import Cadre

#: The picker's purpose (org.selectors.PICK_PURPOSES) whose search offers what a
#: recognition offers: the cadres of the units the user is liaison of, as a filing does.
RECOGNITION_PICK = "filing"


class OneCadreField(IdsChoiceField):
    """One cadre, chosen with the searchable picker (core.widgets.MultiPicker, whose
    search finds the cadres when there are too many to list): its cleaned value is the
    cadre. A cadre not on offer is refused without naming it."""

    default_error_messages = {
        "one": _("Choose one cadre."),
        "outside": _(
            "The chosen cadre is outside your jurisdiction or no longer exists; please "
            "choose again."
        ),
    }

    def label_from_instance(self, obj):
        where = f"{obj.unit.name}·{obj.position}" if obj.position else obj.unit.name
        return f"{obj.name}（{where}）"  # as the picker's search names them

    def clean(self, value):
        if isinstance(value, list | tuple) and len(value) > 1:
            raise ValidationError(self.error_messages["one"], code="one")
        try:
            cadres = super().clean(value)
        except ValidationError as exc:
            if exc.code == "invalid_choice":
                raise ValidationError(self.error_messages["outside"], code="outside") from None
            raise
        return cadres.get()


class RecognitionForm(forms.Form):
    cadre = OneCadreField(
        label=_("Cadre"),
        queryset=Cadre.objects.none(),
        widget=MultiPicker(
            search_url=format_lazy("{}?for={}", reverse_lazy("cadre_pick"), RECOGNITION_PICK)
        ),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
    hours = forms.DecimalField(label=_("Credit hours"), max_digits=6, decimal_places=1)
    kind = forms.ChoiceField(label=_("Kind of training"), choices=HourKind.choices)
    provider = forms.CharField(label=_("Platform or institution"), max_length=100)
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    # The proof the approvers read; optional, as on the correction of a request sent back
    # (ledger.views.RecognitionCorrectForm), and checked the same way.
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        validators=[validate_attachment],
        help_text=_("A proof of the hours, such as a certificate of completion (optional)."),
    )

    def offer(self, *, user):
        """The cadres of the units the user is liaison of (`org.selectors.cadres_offered`,
        which the picker's search reads too)."""
        self.fields["cadre"].queryset = org_selectors.cadres_offered(
            user, RECOGNITION_PICK
        ).select_related("unit")


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


def _all(choices) -> list:
    return [("", _("All")), *choices]


class HourLedgerFilterForm(forms.Form):
    """The hours ledger's filters (all optional): a cadre's name, the kind, source and
    status of the records, and the first and last day."""

    q = forms.CharField(label=_("Cadre's name"), required=False, max_length=SEARCH_MAX_LENGTH)
    kind = forms.ChoiceField(
        label=_("Kind of training"), choices=_all(HourKind.choices), required=False
    )
    source = forms.ChoiceField(label=_("source"), choices=_all(HourSource.choices), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=_all(HourStatus.choices), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        for name in ("since", "until"):
            refusal = compliance.day_refusal(data.get(name))
            if refusal:
                self.add_error(name, refusal)
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The period cannot end before it starts."))
        return data
