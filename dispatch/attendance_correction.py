"""Correcting one recorded attendance (考勤更正):
`/classes/<id>/attendance/<dispatch id>/correct/`, opened from the class roster's 「更正」
link. The institution's registrar sees what was recorded and records it again — the roster
row's fields (`AttendanceRowForm`) — with a reason; `attendance_correct_and_continue` does
the rest. When a correction is open at all is `policy.attendance_correction_refusal`'s."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import format_date
from core.validation import REASON_MAX_LENGTH
from dispatch import policy, selectors
from dispatch.attendance import AttendanceRowForm
from dispatch.flows.attendance import attendance_correct_and_continue
from dispatch.models import AttendanceResult, Dispatch
from dispatch.services.attendance_corrections import RESULT_OF, attendance_words
from dispatch.task_views import dispatch_details
from org import selectors as org_selectors


class AttendanceCorrectionForm(AttendanceRowForm):
    """The roster row's fields for one recorded dispatch, set to what was recorded, and
    the reason for the correction. Present cannot be chosen before the class has ended
    (`policy.attendance_refusal`, which the row form asks)."""

    reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 3, "style": "width: 100%; max-width: 40em; box-sizing: border-box"}
        ),
        error_messages={"required": gettext_lazy("Please give a reason for the correction.")},
    )

    def __init__(self, *args, dispatch, **kwargs):
        training_class = dispatch.training_class
        super().__init__(*args, training_class=training_class, **kwargs)
        result = self.fields["result"]
        result.initial = RESULT_OF.get(dispatch.status, AttendanceResult.PRESENT)
        if policy.attendance_refusal(training_class, AttendanceResult.PRESENT):
            result.widget.disabled = {AttendanceResult.PRESENT}
        if dispatch.hours_credited is not None:
            self.fields["hours"].initial = dispatch.hours_credited
        self.fields["leave_hours"].initial = dispatch.leave_hours


def dispatch_to_correct(user, class_pk: int, dispatch_pk: int) -> Dispatch:
    """The dispatch `dispatch_pk` of class `class_pk`, reached through its class (the
    institution's or the organizer's people) or its unit; 404 otherwise. (The API's
    correction, `api.actions.attendance`, finds it the same way.)"""
    reach = Q(training_class__in=selectors.classes_in_reach(user)) | Q(
        unit__in=org_selectors.units_in_reach(user)
    )
    dispatch = (
        Dispatch.objects.filter(reach, pk=dispatch_pk, training_class_id=class_pk)
        .select_related("cadre", "unit", "training_class__institution__unit")
        .first()
    )
    if dispatch is None:
        raise Http404
    return dispatch


def _tell(request, done) -> None:
    cadre = done.dispatch.cadre.name
    messages.success(
        request,
        _("The attendance of %(cadre)s was corrected from %(before)s to %(after)s.")
        % {"cadre": cadre, "before": done.before, "after": done.after},
    )
    if done.makeup_owed is not None:
        messages.warning(
            request,
            _("%(cadre)s now owes makeup training, due by %(date)s.")
            % {"cadre": cadre, "date": format_date(done.makeup_owed.due_date)},
        )
    if done.makeup_cancelled is not None:
        messages.info(
            request,
            _("The makeup training %(cadre)s owed for this class is cancelled.") % {"cadre": cadre},
        )


@login_required
def attendance_correct(request, pk: int, dispatch_pk: int):
    dispatch = dispatch_to_correct(request.user, pk, dispatch_pk)
    training_class = dispatch.training_class
    if not org_selectors.has_unit_permission(
        request.user, "record_attendance", training_class.institution.unit
    ):
        raise PermissionDenied
    refusal = policy.attendance_correction_refusal(dispatch)
    posted = request.method == "POST"
    form = AttendanceCorrectionForm(request.POST if posted else None, dispatch=dispatch)
    if posted and refusal is None and form.is_valid():
        try:
            done = attendance_correct_and_continue(
                actor=request.user,
                dispatch=dispatch,
                result=form.cleaned_data["result"],
                leave_hours=form.cleaned_data["leave"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _tell(request, done)
            return redirect("class_attendance", pk=training_class.pk)
    details = [
        *dispatch_details(dispatch),
        (
            _("Attendance recorded"),
            attendance_words(dispatch)
            if dispatch.status in policy.RECORDED_ATTENDANCE
            else dispatch.get_status_display(),
        ),
        (
            _("Can be corrected until"),
            format_date(policy.attendance_correction_deadline(training_class)),
        ),
    ]
    context = {
        "training_class": training_class,
        "dispatch": dispatch,
        "details": details,
        "refusal": refusal,
        "form": form,
    }
    return render(request, "dispatch/attendance_correct.html", context)
