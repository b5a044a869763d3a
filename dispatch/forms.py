from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.fields import IdsChoiceField
from core.http import positive_int
from core.validation import REASON_MAX_LENGTH, validate_attachment
from core.widgets import DateInput, DateTimeInput, MultiPicker
from dispatch.models import AttendanceResult, Filing, RequestKind, RollCallMode, TrainingClass
from dispatch.models.classes import CLASS_DAYS_MAX, CLASS_QUOTA_MAX
from dispatch.policy import ACK_DISPATCHER
from org import selectors as org_selectors
from org.models import Cadre, Unit

# Django's label suffix (Form.label_suffix is gettext(":")); the catalogue makes it the
# full-width "：" of Chinese text, for every form (Django's own catalogue keeps ":").
gettext_noop(":")


class TrainingClassForm(forms.ModelForm):
    class Meta:
        model = TrainingClass
        fields = [
            "name",
            "institution",
            "organizer",
            "kind",
            "start_date",
            "end_date",
            "report_date",
            "location",
            "credit_hours",
            "days",
            "quota",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "report_date": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The fields' own bounds say so in the words of the class rules
        # (`TrainingClass.clean`), not in Django's generic ones.
        seats = _("A class has from 1 to %(max)s seats.") % {"max": CLASS_QUOTA_MAX}
        self.fields["quota"].error_messages.update(min_value=seats, max_value=seats)
        days = _("A class lasts from 1 to %(max)s days.") % {"max": CLASS_DAYS_MAX}
        self.fields["days"].error_messages.update(min_value=days, max_value=days)
        hours = _("Credit hours are a number below 100,000 with at most one decimal place.")
        for code in ("max_digits", "max_whole_digits", "max_decimal_places"):
            self.fields["credit_hours"].error_messages[code] = hours
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = _(
                    "At most %(limit_value)d characters (this has %(show_value)d)."
                )


class RequestFieldsForm(forms.Form):
    """The request not to attend (leave, deferral or exemption), wherever it is asked — at
    the unit's confirmation or instead of 签收: its kind and reason, required when the
    `action` chosen is "request", and an optional attachment, checked alike
    (`core.validation.validate_attachment`)."""

    kind = forms.ChoiceField(
        label=_("Request"),
        choices=[("", "—"), *RequestKind.choices],
        required=False,
        help_text=_("Required when you request not to attend."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you request not to attend."),
    )
    attachment = forms.FileField(
        label=_("Attachment"), required=False, validators=[validate_attachment]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown once "request" is the answer chosen (xundiao/site.js; all shown without it).
        for name in ("kind", "reason", "attachment"):
            self.fields[name].widget.attrs["data-xd-show-when"] = "action=request"

    def clean(self):
        data = super().clean()
        if data.get("action") == "request":
            if not data.get("kind"):
                self.add_error("kind", _("Choose leave, deferral or exemption."))
            # A reason refused already (too long, a NUL) is not also a missing one.
            if "reason" not in self.errors and not (data.get("reason") or "").strip():
                self.add_error("reason", _("Please give a reason for the request."))
        return data


class ConfirmForm(RequestFieldsForm):
    """The unit liaison's answer to a named dispatch."""

    field_order = ["action", "kind", "reason", "attachment"]

    action = forms.ChoiceField(
        label=_("Answer"),
        choices=[("confirm", _("Confirm attendance")), ("request", _("Request not to attend"))],
        widget=forms.RadioSelect,
    )


class AcknowledgeForm(RequestFieldsForm):
    """签收: the trainee's own (本人), or on the cadre's behalf (代为签收) — by the unit's
    liaison for a cadre without an account, or by a dispatcher of the organization
    department who took over an escalated acknowledgement — the box says which
    (`capacity`, one of `policy.acknowledging_capacity`). Whoever may
    (`policy.may_request_after_notice`: the trainee, the liaison) may instead ask for
    leave, deferral or exemption; the others see the box alone. An answer that names no
    `action` acknowledges."""

    field_order = ["action", "confirm", "kind", "reason", "attachment"]

    action = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            ("acknowledge", _("Acknowledge receipt")),
            ("request", _("Request leave, deferral or exemption instead")),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial="acknowledge",
    )
    confirm = forms.BooleanField(label=_("I have received the notice"), required=True)

    def __init__(
        self, *args, on_behalf_of: str = "", capacity: str = "", may_request=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if may_request:
            # Ticked only to acknowledge (`clean`): a request leaves the box empty, and
            # does not show it.
            self.fields["confirm"].required = False
            self.fields["confirm"].widget.attrs["data-xd-show-when"] = "action!=request"
        else:
            for name in ("action", "kind", "reason", "attachment"):
                del self.fields[name]
        if not on_behalf_of:
            return
        if capacity == ACK_DISPATCHER:
            label = _(
                "On behalf of %(cadre_name)s, I acknowledge receipt of the notice as the "
                "organization department and will see that it reaches them"
            )
        else:
            label = _(
                "On behalf of %(cadre_name)s, who has no account, I acknowledge receipt of "
                "the notice and will pass it on to them"
            )
        self.fields["confirm"].label = label % {"cadre_name": on_behalf_of}

    def clean(self):
        data = super().clean()
        if data.get("action") != "request":
            data["action"] = "acknowledge"
            if not data.get("confirm") and "confirm" not in self.errors:
                self.add_error("confirm", self.fields["confirm"].error_messages["required"])
        return data


class ResultSelect(forms.RadioSelect):
    """Radio buttons some of which are shown but cannot be chosen (`disabled`)."""

    def __init__(self, *args, disabled=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled = set(disabled)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.disabled:
            option["attrs"]["disabled"] = True
        return option


class AttendanceForm(forms.Form):
    """One trainee's attendance. `present_refusal`: why present cannot be recorded yet
    (`policy.attendance_refusal`: the class has not ended) — the choice is then shown
    but cannot be taken, and the reason is said beside it before anything is sent."""

    result = forms.ChoiceField(label=_("Attendance"), choices=AttendanceResult.choices)
    leave_hours = forms.DecimalField(
        label=_("Hours of leave during the class"), min_value=0, initial=0, required=False
    )

    def __init__(self, *args, present_refusal: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        result = self.fields["result"]
        disabled = [AttendanceResult.PRESENT] if present_refusal else []
        result.widget = ResultSelect(choices=result.choices, disabled=disabled)
        if present_refusal:
            result.help_text = present_refusal


def cadre_label(cadre) -> str:
    return f"{cadre.name}（{cadre.unit.name}·{cadre.position}）"


def pick_url(purpose: str):
    """The search of a cadre picker too long to list (org.views.cadre_pick)."""
    return format_lazy("{}?for={}", reverse_lazy("cadre_pick"), purpose)


def _unit_name(cadre) -> str:
    return cadre.unit.name


def _name_and_position(cadre) -> str:
    return f"{cadre.name}（{cadre.position}）" if cadre.position else cadre.name


class CadresField(IdsChoiceField):
    """Cadres chosen from those offered (`queryset`, set by the view). A cadre chosen
    twice, or one not on offer (outside the user's reach, gone, or from a stale page), is
    refused with a clear message instead of Django's "not one of the available choices"
    and a raw id. Cadres not on offer are counted, never named: their names are not the
    user's to see."""

    default_error_messages = {
        "duplicate": _("The same cadre is named twice."),
        "outside": _(
            "%(count)s of the chosen cadres are outside your jurisdiction or no longer "
            "exist; please choose again."
        ),
    }

    def label_from_instance(self, obj):
        return cadre_label(obj)

    def clean(self, value):
        if isinstance(value, list | tuple):
            chosen = [str(v).strip() for v in value]
            if len(set(chosen)) != len(chosen):
                raise ValidationError(self.error_messages["duplicate"], code="duplicate")
        return super().clean(value)

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except ValidationError as exc:
            if exc.code != "invalid_choice":
                raise
        # Every id is well formed (checked above); some are not on offer — an id no row
        # can have is not asked of the database.
        ids = [v for v in value if positive_int(v) is not None]
        offered = {str(pk) for pk in self.queryset.filter(pk__in=ids).values_list("pk", flat=True)}
        missing = {str(v) for v in value} - offered
        raise ValidationError(
            self.error_messages["outside"], code="outside", params={"count": len(missing)}
        )


class NominationForm(forms.Form):
    cadres = CadresField(
        label=_("Nominees"),
        queryset=Cadre.objects.none(),
        widget=MultiPicker(),  # searches once `offer` knows the allotted unit
        error_messages={
            "outside": _(
                "%(count)s of the chosen cadres are not of your unit or no longer exist; "
                "please choose again."
            )
        },
    )

    def offer(self, *, user, unit):
        """The nominees on offer: the cadres of the allotted `unit` and the units below it
        (`org.selectors.cadres_offered`, which the picker's search reads too)."""
        field = self.fields["cadres"]
        field.queryset = org_selectors.cadres_offered(
            user, "nomination", unit_id=unit.pk
        ).select_related("unit")
        field.widget.search_url = f"{reverse('cadre_pick')}?for=nomination&unit={unit.pk}"


class RollCallForm(forms.Form):
    """A roll call: the class, the mode and the deadline; then either the cadres named
    (checkboxes grouped by unit, with a search box) or the seats per unit (a table with a
    number per unit of the jurisdiction). Seats may also come as text, one unit per line
    ("code seats") — the older form of the same field, still accepted."""

    training_class = forms.ModelChoiceField(
        label=_("Training class"), queryset=TrainingClass.objects.none()
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=RollCallMode.choices,
        widget=forms.RadioSelect,
        initial=RollCallMode.NAMED,
    )
    response_deadline = forms.DateTimeField(label=_("Response deadline"), widget=DateTimeInput())
    cadres = CadresField(
        label=_("Named cadres"),
        queryset=Cadre.objects.none(),
        required=False,
        # Checkboxes grouped by unit, like the nominees' and the participants' pickers:
        # each click or Space adds or takes off one, the earlier choices stay. Named by its
        # fieldset's legend (templates/dispatch/rollcall_start.html).
        widget=MultiPicker(
            search_url=pick_url("roll_call"), group_by=_unit_name, group_label=_name_and_position
        ),
        help_text=_(
            "Type a name, unit or position in the filter box to narrow the list; click a "
            "cadre to choose them, click again to take them off."
        ),
    )
    allocations = forms.CharField(
        label=_("Seats per unit"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units if units is not None else Unit.objects.none()
        #: the rows of the seats table: one number field per unit of the jurisdiction
        self.seat_units = list(self.units.order_by("path"))
        for unit in self.seat_units:
            self.fields[self.seat_field(unit)] = forms.IntegerField(
                label=unit.name,
                required=False,
                min_value=0,
                widget=forms.NumberInput(
                    attrs={"min": 0, "step": 1, "class": "xd-seats", "aria-label": unit.name}
                ),
            )

    @staticmethod
    def seat_field(unit) -> str:
        return f"seats_{unit.pk}"

    def offer(self, *, classes, user):
        """What the lists show: classes that have not started and are not cancelled (the
        service refuses the others by name, so they stay valid choices); the cadres `org.selectors.
        cadres_offered` offers `user` for a roll call (the picker's search reads the same),
        grouped by unit — or found by search when there are too many to list."""
        self.fields["training_class"].queryset = classes
        self.fields["training_class"].widget.choices = [
            ("", "---------"),
            *(
                (c.pk, str(c))
                for c in classes.held()
                .filter(start_date__gt=timezone.localdate())
                .order_by("start_date", "name")
            ),
        ]
        cadres = org_selectors.cadres_offered(user, "roll_call")
        self.fields["cadres"].queryset = cadres.select_related("unit").order_by(
            "unit__path", "name", "pk"
        )

    def seat_rows(self):
        """(unit, its bound number field, its indent) for the seats table, in tree order."""
        top = min((unit.depth for unit in self.seat_units), default=0)
        return [(unit, self[self.seat_field(unit)], unit.depth - top) for unit in self.seat_units]

    def clean_allocations(self):
        text = self.cleaned_data.get("allocations") or ""
        result = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2 or not (parts[1].isascii() and parts[1].isdigit()):
                raise forms.ValidationError(
                    _("Line %(n)d: write a unit code and a number of seats.") % {"n": number}
                )
            unit = self.units.filter(code=parts[0]).first()
            if unit is None:
                raise forms.ValidationError(
                    _("Line %(n)d: no unit %(code)s in your jurisdiction.")
                    % {"n": number, "code": parts[0]}
                )
            result.append((unit, int(parts[1])))
        return result

    def clean(self):
        data = super().clean()
        if "allocations" in self.errors:
            return data
        table = [
            (unit, data[self.seat_field(unit)])
            for unit in self.seat_units
            if data.get(self.seat_field(unit))
        ]
        # The service refuses a unit given seats twice (in the text and the table).
        data["allocations"] = [*(data.get("allocations") or []), *table]
        return data


class FilingForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Training"), max_length=128)
    organizer_name = forms.CharField(label=_("Organized by"), max_length=128)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    hours = forms.DecimalField(label=_("Credit hours"), max_digits=6, decimal_places=1)
    systematic = forms.BooleanField(
        label=_("Systematic training"),
        required=False,
        help_text=Filing._meta.get_field("systematic").help_text,
    )
    participants = CadresField(
        label=_("Participants"),
        queryset=Cadre.objects.none(),
        widget=MultiPicker(search_url=pick_url("filing")),
    )

    def offer(self, *, user):
        """The units the user is liaison of, and their cadres
        (`org.selectors.cadres_offered`, which the picker's search reads too); a liaison of
        one unit finds it chosen."""
        units = org_selectors.units_in_reach(user, "act_as_liaison")
        self.fields["unit"].queryset = units
        only = list(units.values_list("pk", flat=True)[:2])
        if len(only) == 1 and not self.is_bound:
            self.initial.setdefault("unit", only[0])
        self.fields["participants"].queryset = org_selectors.cadres_offered(user, "filing")


class CancelRollCallForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelClassForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for calling the class off"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MakeupScheduleForm(forms.Form):
    training_class = forms.ModelChoiceField(
        label=_("Makeup class"), queryset=TrainingClass.objects.none()
    )
