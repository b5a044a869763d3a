"""Views of the human tasks in dispatch flows. Each parses its form, calls one service,
and completes the task; Viewflow has already checked that the user owns the task, and
the service checks the jurisdiction again and that the step is still open."""

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from approvals.services import latest_refusal, refusal_detail
from core.formatting import format_date, format_hours, format_span
from dispatch import policy, selectors, services
from dispatch.forms import (
    AcknowledgeForm,
    AttendanceForm,
    ConfirmForm,
    FilingForm,
    MakeupScheduleForm,
    NominationForm,
    RollCallForm,
)
from dispatch.models import AttendanceResult, FilingStatus, RequestKind, RollCallMode
from dispatch.targets import class_targets, off_target, targets_label
from notifications import reach as notifications_reach
from org import selectors as org_selectors
from workflow.task_views import DecisionTaskView, TaskFormView


def dispatch_details(dispatch):
    klass = dispatch.training_class
    return [
        (_("Cadre"), dispatch.cadre.name),
        (_("ID number"), dispatch.cadre.masked_id_number),
        (_("Unit"), dispatch.unit.name),
        (_("Position"), dispatch.cadre.position),
        (_("Training class"), klass.name),
        (_("Dates"), format_span(klass.start_date, klass.end_date)),
        (_("Report date"), format_date(klass.report_date)),
        (_("Location"), klass.location),
        (_("Status"), dispatch.get_status_display()),
    ]


class ConfirmView(TaskFormView):
    form_class = ConfirmForm

    def details(self, subject):
        details = dispatch_details(subject)
        # The unit answers again because its request was turned down: say by whom and why.
        if refused := refusal_detail(subject):
            details.append(refused)
        return details

    def perform(self, form):
        data = form.cleaned_data
        if data["action"] == "confirm":
            return services.dispatch_confirm(actor=self.request.user, dispatch=self.subject())
        return services.dispatch_request(
            actor=self.request.user,
            dispatch=self.subject(),
            kind=data["kind"],
            reason=data["reason"],
            attachment=data.get("attachment"),
        )

    def outcome(self, form) -> str:
        """确认参训, or the request made: 请假申请, 缓训申请, 免训申请."""
        data = form.cleaned_data
        if data["action"] == "confirm":
            return str(dict(form.fields["action"].choices)["confirm"])
        return gettext("%(kind)s request") % {"kind": RequestKind(data["kind"]).label}


class AcknowledgeView(TaskFormView):
    form_class = AcknowledgeForm

    def get_form_kwargs(self):
        """The trainee acknowledges themself; anyone else acknowledges on the cadre's
        behalf — a liaison for a cadre without an account, or a dispatcher of the
        organization department (an escalated acknowledgement) — and the form says in
        which capacity (`policy.acknowledging_capacity`, as the service records it)."""
        kwargs = super().get_form_kwargs()
        dispatch = self.subject()
        capacity = policy.acknowledging_capacity(self.request.user, dispatch)
        if capacity != policy.ACK_TRAINEE:
            kwargs.update(on_behalf_of=dispatch.cadre.name, capacity=capacity or "")
        # Or, instead, a request not to attend (`policy.may_request_after_notice`).
        kwargs["may_request"] = policy.may_request_after_notice(self.request.user, dispatch)
        return kwargs

    def details(self, subject):
        """The dispatch, and the notice to acknowledge: its PDF, to read first."""
        details = dispatch_details(subject)
        notice = (
            notifications_reach.documents_visible_to(self.request.user)
            .filter(document_number=subject.notice_reference)
            .order_by("-version")
            .first()
            if subject.notice_reference
            else None
        )
        if notice is not None:
            details.insert(
                0,
                (
                    notice.get_kind_display(),
                    format_html(
                        '<a href="{}" target="_blank" rel="noopener">{}（{}）</a>',
                        reverse("document_download", args=[notice.pk]),
                        notice.document_number,
                        _("open the PDF"),
                    ),
                ),
            )
        # Acknowledged again because a request made instead was turned down: by whom, why.
        if (refused := latest_refusal(subject)) and refused.request.context.get("notice_number"):
            details.append(refusal_detail(subject))
        return details

    def perform(self, form):
        data = form.cleaned_data
        if data["action"] == "request":
            return services.dispatch_request_after_notice(
                actor=self.request.user,
                dispatch=self.subject(),
                kind=data["kind"],
                reason=data["reason"],
                attachment=data.get("attachment"),
            )
        return services.dispatch_acknowledge(
            actor=self.request.user,
            dispatch=self.subject(),
            ip=self.request.META.get("REMOTE_ADDR"),
        )

    def outcome(self, form) -> str:
        """'' for 签收 (the task's title says it); a request made instead names itself and
        that the notice waits for its decision."""
        data = form.cleaned_data
        if data["action"] != "request":
            return ""
        return gettext(
            "%(kind)s request instead of acknowledging; the notice stands until it is decided"
        ) % {"kind": RequestKind(data["kind"]).label}


class AttendanceView(TaskFormView):
    form_class = AttendanceForm

    def details(self, subject):
        return dispatch_details(subject)

    def get_form_kwargs(self):
        """Present is offered once the class has ended (`policy.attendance_refusal`):
        before, the form says so instead of refusing after the submit."""
        klass = self.subject().training_class
        refusal = policy.attendance_refusal(klass, AttendanceResult.PRESENT)
        return {**super().get_form_kwargs(), "present_refusal": refusal}

    def perform(self, form):
        self.recorded = services.attendance_record(
            actor=self.request.user,
            dispatch=self.subject(),
            result=form.cleaned_data["result"],
            leave_hours=form.cleaned_data.get("leave_hours") or 0,
        )
        return self.recorded

    def outcome(self, form) -> str:
        """What was recorded, which may differ from what was chosen (too much leave
        withdraws a cadre recorded present): the result, and the hours."""
        return attendance_outcome(self.recorded)


def attendance_outcome(dispatch) -> str:
    """出勤，计入38学时 (请假2学时 first, if any); 缺训; 退学 (with the leave hours that made
    it so, if any)."""
    result = AttendanceResult(dispatch.attendance)
    leave = floatformat(dispatch.leave_hours, -1)
    if result == AttendanceResult.PRESENT:
        hours = floatformat(dispatch.hours_credited, -1)
        if dispatch.leave_hours:
            return gettext("Present, %(leave)s hours of leave, %(hours)s hours credited") % {
                "leave": leave,
                "hours": hours,
            }
        return gettext("Present, %(hours)s hours credited") % {"hours": hours}
    if result == AttendanceResult.WITHDRAWN and dispatch.leave_hours:
        return gettext("Withdrawn, %(leave)s hours of leave") % {"leave": leave}
    return str(result.label)


def allocation_details(allocation):
    """The nomination's heading: its class with its 调训对象 (target cadres), and each
    nominee outside them marked, for whoever sends or decides it."""
    targets = class_targets(allocation.roll_call.training_class)
    return [
        (_("Training class"), allocation.roll_call.training_class.name),
        (_("Target cadres"), targets_label(targets) or "—"),
        (_("Unit"), allocation.unit.name),
        (_("Seats"), allocation.seats),
        (
            _("Nominees"),
            "、".join(_nominee(c, targets) for c in allocation.nominees.all()) or "—",
        ),
        (_("Returned because"), allocation.return_reason or "—"),
    ]


def _nominee(cadre, targets) -> str:
    if off_target(cadre, targets):
        return gettext("%(name)s (%(category)s: not among the target cadres)") % {
            "name": cadre.name,
            "category": cadre.get_category_display(),
        }
    return cadre.name


class NominateView(TaskFormView):
    form_class = NominationForm

    def details(self, subject):
        return allocation_details(subject)

    def get_initial(self):
        """A nomination sent back keeps its nominees, checked, to change or send again."""
        return {"cadres": list(self.subject().nominees.values_list("pk", flat=True))}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.offer(user=self.request.user, unit=self.subject().unit)
        return form

    def perform(self, form):
        return services.nomination_submit(
            actor=self.request.user, allocation=self.subject(), cadres=form.cleaned_data["cadres"]
        )


class NominationHeadView(DecisionTaskView):
    choices = [("approve", _("Approve")), ("return", _("Return to the liaison"))]

    def details(self, subject):
        return allocation_details(subject)

    def perform(self, form):
        return services.nomination_head_decide(
            actor=self.request.user,
            allocation=self.subject(),
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )


class NominationReviewView(DecisionTaskView):
    choices = [("accept", _("Accept")), ("return", _("Return with a reason"))]

    def details(self, subject):
        return allocation_details(subject)

    def perform(self, form):
        return services.nomination_review(
            actor=self.request.user,
            allocation=self.subject(),
            accept=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
        )


def filing_details(filing):
    return [
        (_("Unit"), filing.unit.name),
        (_("Training"), filing.title),
        (_("Organized by"), filing.organizer_name),
        (_("Dates"), format_span(filing.start_date, filing.end_date)),
        (_("Credit hours"), floatformat(filing.hours, -1)),
        (_("Systematic training"), _("Yes") if filing.systematic else _("No")),
        (_("Participants"), "、".join(c.name for c in filing.participants.all())),
        (_("Review comment"), filing.review_comment or "—"),
    ]


class FilingReviewView(DecisionTaskView):
    choices = [
        (FilingStatus.ACCEPTED, _("Accept")),
        (FilingStatus.RETURNED, _("Return for correction")),
        (FilingStatus.REJECTED, _("Reject")),
    ]
    needs_reason = (FilingStatus.RETURNED, FilingStatus.REJECTED)

    def details(self, subject):
        return filing_details(subject)

    def perform(self, form):
        return services.filing_review(
            actor=self.request.user,
            filing=self.subject(),
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["reason"],
        )


class FilingFormMixin:
    form_class = FilingForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.offer(user=self.request.user)
        return form


class FilingStartView(FilingFormMixin, TaskFormView):
    start = True
    template_name = "workflow/start_form.html"

    def perform(self, form):
        return services.filing_submit(actor=self.request.user, **form.cleaned_data)


class FilingCorrectView(FilingFormMixin, TaskFormView):
    def details(self, subject):
        return filing_details(subject)

    def get_initial(self):
        filing = self.subject()
        return {
            "unit": filing.unit,
            "title": filing.title,
            "organizer_name": filing.organizer_name,
            "start_date": filing.start_date,
            "end_date": filing.end_date,
            "hours": filing.hours,
            "systematic": filing.systematic,
            "participants": list(filing.participants.all()),
        }

    def perform(self, form):
        data = dict(form.cleaned_data)
        data.pop("unit")
        return services.filing_correct(actor=self.request.user, filing=self.subject(), **data)


class RollCallStartView(TaskFormView):
    form_class = RollCallForm
    start = True
    template_name = "dispatch/rollcall_start.html"

    def get_form_kwargs(self):
        units = org_selectors.units_in_reach(self.request.user, "issue_dispatch")
        return {**super().get_form_kwargs(), "units": units}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        units = org_selectors.units_in_reach(self.request.user, "issue_dispatch")
        form.offer(
            classes=selectors.class_list(self.request.user).filter(organizer__unit__in=units),
            user=self.request.user,
        )
        return form

    def get_context_data(self, **kwargs):
        """The dates of the classes on offer and the classes that already keep the cadres
        busy, so the form warns of a clash before it is sent (xundiao/rollcall_start.js)."""
        context = super().get_context_data(**kwargs)
        form = context["form"]
        # Only the classes the list offers (not started): past ones would grow the page
        # with every class the department ever held.
        offered = (
            form.fields["training_class"]
            .queryset.held()
            .filter(start_date__gt=timezone.localdate())
        )
        context["class_dates"] = {
            str(pk): [start.isoformat(), end.isoformat()]
            for pk, start, end in offered.values_list("pk", "start_date", "end_date")
        }
        # The busy periods of the cadres the page lists: every one on offer (at most
        # MultiPicker.FULL_LIST_MAX), or, when the picker searches, the chosen ones; the
        # script asks /rollcalls/busy/ for each cadre found and chosen later.
        picker, offered = form.fields["cadres"].widget, form.fields["cadres"].queryset
        if picker.searches(offered):
            offered = picker.chosen(offered, form["cadres"].value())
        context["busy_periods"] = selectors.busy_periods(offered)
        return context

    def perform(self, form):
        data = form.cleaned_data
        named = data["mode"] == RollCallMode.NAMED
        return services.roll_call_issue(
            actor=self.request.user,
            training_class=data["training_class"],
            mode=data["mode"],
            response_deadline=data["response_deadline"],
            cadres=data["cadres"] if named else (),
            allocations=() if named else data["allocations"],
        )


def _class_with_hours(klass, start=None) -> str:
    """A class named with its credit hours (and its first day), for choosing a makeup
    class whose hours cover the missed one's."""
    hours = gettext("%(hours)s credit hours") % {"hours": format_hours(klass.credit_hours)}
    return f"{klass.name}（{format_date(start)}，{hours}）" if start else f"{klass.name}（{hours}）"


class MakeupScheduleView(TaskFormView):
    form_class = MakeupScheduleForm

    def details(self, makeup):
        return [
            (_("Cadre"), makeup.cadre.name),
            (_("Unit"), makeup.cadre.unit.name),
            (_("Missed class"), _class_with_hours(makeup.source.training_class)),
            (_("Reason"), makeup.get_reason_display()),
            (_("Due date"), format_date(makeup.due_date)),
            (
                _("Suggested classes"),
                "、".join(
                    _class_with_hours(c, c.start_date)
                    for c in services.makeup_class_suggestions(makeup, user=self.request.user)
                )
                or "—",
            ),
        ]

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["training_class"].queryset = selectors.makeup_class_choices(self.request.user)
        return form

    def perform(self, form):
        return services.makeup_schedule(
            actor=self.request.user,
            makeup=self.subject(),
            training_class=form.cleaned_data["training_class"],
        )
