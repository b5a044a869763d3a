"""The class roster (`/classes/<id>/attendance/`): the institution's registrar records
attendance for every dispatch of a class at once instead of claiming each dispatch's task.

Every row goes through `dispatch.flows.attendance.class_attendance_record`, which records it as
the task page does (`attendance_record`) and completes the dispatch's attendance task, so
each flow moves on exactly as from the task page. All or nothing: one invalid row records
nothing and the page shows each row's error. A task another person has claimed is theirs:
the roster names the cadre and does not record it."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core import exports
from dispatch import policy, selectors
from dispatch.exports import ATTENDANCE
from dispatch.flows.attendance import class_attendance_record
from dispatch.forms import ResultSelect
from dispatch.models import AttendanceResult, Dispatch, DispatchStatus
from dispatch.models.dispatch import OPEN_DISPATCH_STATUSES
from org import selectors as org_selectors

RECORDED = (DispatchStatus.ATTENDED, DispatchStatus.ABSENT, DispatchStatus.WITHDRAWN)
TENTH = Decimal("0.1")


def _number(attrs=None):
    return forms.NumberInput(
        attrs={"step": "0.1", "min": "0", "style": "width: 5em", **(attrs or {})}
    )


# A roster row left for later: while the class runs, only absences and withdrawals are
# recorded (dispatch.policy.attendance_refusal); the others wait for its end.
LATER = "later"


class AttendanceRowForm(forms.Form):
    """One cadre on the roster: present (hours credited, the class hours by default, less
    any leave), absent or withdrawn. Hours credited and hours of leave are two views of
    one figure: fill in either; if both are changed they must add up to the class hours.
    Leave over 1/7 of the class hours withdraws the cadre (the service's rule).

    While the class runs (`during_class`) a row may be left for later, and is by default;
    present cannot be chosen until the class has ended (`policy.attendance_refusal`, which
    the form asks for every row it is given)."""

    result = forms.ChoiceField(label=gettext_lazy("Attendance"))
    hours = forms.DecimalField(label=gettext_lazy("Hours credited"), required=False)
    leave_hours = forms.DecimalField(
        label=gettext_lazy("Hours of leave during the class"), required=False
    )

    def __init__(self, *args, training_class, during_class=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.training_class = training_class
        self.credit_hours = credit_hours = training_class.credit_hours
        choices = [(value, AttendanceResult(value).label) for value in AttendanceResult.values]
        if during_class:
            choices.insert(0, (LATER, _("Record after the class ends")))
        result = self.fields["result"]
        result.choices = choices
        result.initial = LATER if during_class else AttendanceResult.PRESENT
        result.widget = ResultSelect(
            choices=choices, disabled=[AttendanceResult.PRESENT] if during_class else []
        )
        self.fields["hours"].initial = credit_hours
        self.fields["hours"].widget = _number({"max": credit_hours})
        self.fields["leave_hours"].initial = Decimal(0)
        self.fields["leave_hours"].widget = _number({"max": credit_hours})

    @property
    def later(self) -> bool:
        """Left for after the class (nothing to record now)."""
        return self.cleaned_data.get("result") == LATER

    def _hours(self, name):
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        if value < 0:
            raise ValidationError(_("Hours cannot be negative."))
        if value > self.credit_hours:
            raise ValidationError(
                _("At most the class's %(hours)s hours.") % {"hours": self.credit_hours}
            )
        if value != value.quantize(TENTH):
            raise ValidationError(_("Hours are recorded to one decimal place."))
        return value

    def clean_hours(self):
        return self._hours("hours")

    def clean_leave_hours(self):
        return self._hours("leave_hours")

    def clean(self):
        data = super().clean()
        result = data.get("result")
        if self.errors or result == LATER:
            return data
        if result != AttendanceResult.PRESENT:
            withdrawn = result == AttendanceResult.WITHDRAWN
            data["leave"] = (data.get("leave_hours") or Decimal(0)) if withdrawn else Decimal(0)
            self._refuse_if_not_open(result, data["leave"])
            return data
        credit, hours, leave = self.credit_hours, data.get("hours"), data.get("leave_hours")
        if not leave and hours is not None:
            leave = credit - hours  # hours credited typed in: the rest was leave
        elif hours is not None and hours != credit and hours + leave != credit:
            raise ValidationError(
                _(
                    "Hours credited (%(hours)s) and hours of leave (%(leave)s) must add up "
                    "to the class's %(credit)s hours."
                )
                % {"hours": hours, "leave": leave, "credit": credit}
            )
        data["leave"] = leave or Decimal(0)
        self._refuse_if_not_open(result, data["leave"])
        return data

    def _refuse_if_not_open(self, result, leave):
        outcome = policy.attendance_outcome(self.training_class, result, leave)
        if message := policy.attendance_refusal(self.training_class, outcome):
            raise ValidationError(message)

    def messages(self) -> list[str]:
        return [message for errors in self.errors.values() for message in errors]


class Row:
    """A dispatch on the roster: awaiting (a form), claimed by someone else, or recorded."""

    def __init__(self, dispatch, owner, user):
        self.dispatch = dispatch
        self.owner = owner
        self.awaiting = dispatch.task_id is not None
        self.claimed_by_other = self.awaiting and owner is not None and owner.pk != user.pk
        self.recorded = not self.awaiting and dispatch.status in RECORDED
        # The 「更正」 link (`attendance_correction`): asked of the policy, no query.
        self.correctable = self.recorded and policy.attendance_correction_refusal(dispatch) is None
        self.form = None
        self.errors: list[str] = []

    @property
    def editable(self):
        return self.awaiting and not self.claimed_by_other

    @property
    def error_line(self):
        """The row's errors, each naming the cadre once."""
        name = self.dispatch.cadre.name
        return "；".join(e if e.startswith(name) else f"{name}：{e}" for e in self.errors)

    @property
    def claim_message(self):
        return _(
            "%(cadre)s: %(owner)s has claimed this attendance task; it is theirs to record, "
            "or to release first."
        ) % {
            "cadre": self.dispatch.cadre.name,
            "owner": self.owner.get_full_name() or self.owner.get_username(),
        }


def roster(training_class):
    """The class's dispatches that are awaiting attendance, recorded, or still at an
    earlier step, each with its open attendance task (id and owner). One query."""
    from dispatch.flows import DispatchFlow

    task = Task.objects.filter(
        flow_task=DispatchFlow.record_attendance,
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
        process__artifact_content_type=ContentType.objects.get_for_model(Dispatch),
        process__artifact_object_id=OuterRef("pk"),
    )
    return (
        Dispatch.objects.filter(
            training_class=training_class, status__in=[*OPEN_DISPATCH_STATUSES, *RECORDED]
        )
        .select_related("cadre", "unit", "training_class")
        .annotate(
            task_id=Subquery(task.values("pk")[:1]),
            task_owner_id=Subquery(task.values("owner_id")[:1]),
        )
        .order_by("unit__path", "cadre__name", "pk")
    )


def _rows(training_class, user):
    dispatches = list(roster(training_class))
    owner_ids = {d.task_owner_id for d in dispatches if d.task_owner_id}
    # One query, and only when someone has claimed a task.
    owners = get_user_model().objects.in_bulk(owner_ids) if owner_ids else {}
    rows = [Row(d, owners.get(d.task_owner_id), user) for d in dispatches]
    shown = [row for row in rows if row.awaiting or row.recorded]
    return shown, len(rows) - len(shown)


@login_required
def class_attendance(request, pk: int):
    training_class = selectors.class_list(request.user).filter(pk=pk).first()
    if training_class is None:
        raise Http404
    if not org_selectors.has_unit_permission(
        request.user, "record_attendance", training_class.institution.unit
    ):
        raise PermissionDenied
    if exports.requested_format(request):
        # The rows the page shows: awaiting attendance or recorded.
        shown = roster(training_class).filter(Q(task_id__isnull=False) | Q(status__in=RECORDED))
        name = f"{training_class.name}-{_('Class attendance roster')}"
        return exports.export_response(
            request, shown, ATTENDANCE, name, f"attendance-{training_class.pk}"
        )
    closed = policy.attendance_refusal(training_class)  # before the first day
    started = closed is None
    # While the class runs: why no one is recorded present yet (rows may wait).
    during_class = (
        policy.attendance_refusal(training_class, AttendanceResult.PRESENT) if started else None
    )
    rows, earlier = _rows(training_class, request.user)
    by_pk = {str(row.dispatch.pk): row for row in rows}
    errors: list[str] = []

    posted = request.method == "POST"
    submitted = set(request.POST.getlist("dispatch")) if posted else set()
    for row in rows:
        if row.editable:
            key = str(row.dispatch.pk)
            row.form = AttendanceRowForm(
                request.POST if posted and key in submitted else None,
                prefix=f"d{key}",
                training_class=training_class,
                during_class=bool(during_class),
            )

    if posted and not started:
        errors.append(closed)
    elif posted:
        # Rows on the submitted page that are no longer ours to record.
        for key in submitted:
            row = by_pk.get(key)
            if row is None:
                errors.append(_("A cadre on the page is no longer awaiting attendance."))
            elif row.claimed_by_other:
                row.errors.append(row.claim_message)
            elif not row.awaiting:
                row.errors.append(_("This step has already been completed by someone else."))
        bound = [row for row in rows if row.form is not None and row.form.is_bound]
        for row in bound:
            if not row.form.is_valid():
                row.errors.extend(row.form.messages())
        left = [row for row in bound if row.form.is_valid() and row.form.later]
        bound = [row for row in bound if row not in left]
        if not bound and not errors and not any(row.errors for row in rows):
            errors.append(
                _("Nothing to record: choose absent or withdrawn for a cadre.")
                if left
                else _("No cadre on the page is awaiting attendance.")
            )
        if not errors and not any(row.errors for row in rows):
            try:
                done = class_attendance_record(
                    actor=request.user,
                    training_class=training_class,
                    rows={
                        row.dispatch.pk: (
                            row.form.cleaned_data["result"],
                            row.form.cleaned_data["leave"],
                        )
                        for row in bound
                    },
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for key, messages_ in exc.message_dict.items():
                        if key in by_pk:
                            by_pk[key].errors.extend(messages_)
                        else:
                            errors.extend(messages_)
                else:
                    errors.extend(exc.messages)
            else:
                messages.success(
                    request,
                    _("Attendance recorded for %(count)s cadres.") % {"count": len(done)},
                )
                # Marked present, their leave withdrew them: say so, by name.
                if withdrawn := [
                    d.cadre.name
                    for d in done
                    if d.status == DispatchStatus.WITHDRAWN
                    and by_pk[str(d.pk)].form.cleaned_data["result"] == AttendanceResult.PRESENT
                ]:
                    messages.warning(
                        request,
                        _(
                            "%(names)s: leave over 1/7 of the class hours; recorded as "
                            "withdrawn, and makeup training is owed."
                        )
                        % {"names": "、".join(withdrawn)},
                    )
                return redirect("class_attendance", pk=training_class.pk)
        if any(row.errors for row in rows):
            errors.insert(0, _("Nothing was recorded; correct the rows marked below."))

    context = {
        "training_class": training_class,
        "started": started,
        "closed": closed,
        "during_class": during_class,
        "rows": rows,
        "editable": started and any(row.editable for row in rows),
        "earlier": earlier,
        "errors": errors,
    }
    return render(request, "dispatch/class_attendance.html", context)
