"""A cadre's dispatch and the makeup it may owe — two flows that start each other: a
dispatch that closes owing makeup starts a MakeupFlow, and a scheduled makeup starts a
makeup DispatchFlow whose outcome resumes it. Each reads top-down like its chart; node
bodies are one call into a service."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import PROCESS, STATUS

from approvals import policy as approval_policy
from approvals import services as approval_services
from approvals.flows import ApprovalFlow
from approvals.models import RequestStatus
from dispatch import policy, services
from dispatch.models import (
    Dispatch,
    DispatchStatus,
    Makeup,
    RequestKind,
)
from dispatch.models.dispatch import SETTLED_MAKEUP_STATUSES
from dispatch.services import makeup as makeup_services
from dispatch.services.rollcall import answer_due, class_start_moment
from dispatch.task_views import (
    AcknowledgeView,
    AttendanceView,
    ConfirmView,
    MakeupScheduleView,
)
from org import selectors as org_selectors
from org.roles import ESCALATION_PERMISSION
from workflow.dues import Day
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT, EscalatingView, deadline
from workflow.runtime import fresh_artifact, list_from, processes_of, retarget_open_tasks

#: the status a dispatch waits in while each deadline-watched step is open
OPEN_STEP_STATUS = {"confirm": DispatchStatus.NAMED, "acknowledge": DispatchStatus.NOTIFIED}


def _remind_before():
    return dt.timedelta(hours=settings.XUNDIAO_REMINDER_BEFORE_HOURS)


# Due moments of the dispatch's deadlines, for the timer boundaries.
# The unit and class never change after a dispatch is named, so they are read from the
# artifact cached on the process; anything a step changes is read fresh.
def _confirm_reminder_at(activation):
    return fresh_artifact(activation.process).confirm_due - _remind_before()


def _confirm_due_at(activation):
    return fresh_artifact(activation.process).confirm_due


def _ack_reminder_at(activation):
    return fresh_artifact(activation.process).acknowledge_due - _remind_before()


def _ack_due_at(activation):
    return fresh_artifact(activation.process).acknowledge_due


def _class_start_at(activation):
    """The class's first moment, read from the dispatch the process holds (so that the
    timers of many dispatches started at once read no rows, `workflow.bulk`). A class
    moved since moves the open timers with it (`CLASS_DATED_DELAYS`); the node the timer
    leads to still asks whether the class has begun when it fires."""
    return class_start_moment(activation.process.artifact.training_class)


#: The timers' delays that read the class's dates alone, each with the moment it gives
#: for a class: a class whose dates change moves its dispatches' open timers of these
#: delays to the moment for its new dates (`class_dated_timers`,
#: `dispatch.receivers.on_class_moved`) — a class moved to today ends their unanswered
#: steps on the next sweep, not at its old first day.
CLASS_DATED_DELAYS = {_class_start_at: class_start_moment}


def _dispatch_unit(process):
    return process.artifact.unit


def _dispatch_institution(process):
    return process.artifact.training_class.institution.unit


class DispatchFlow(ScopedFlowMixin, flow.Flow):
    """Dispatch of one cadre

    Named → the unit confirms, or requests leave, deferral or exemption (approval) →
    notice issued → the trainee acknowledges, or instead requests leave, deferral or
    exemption (the same approval; refused, the notice stands) → the institution records
    attendance.
    """

    process_title = _("Dispatch")
    process_description = _(
        "Named → the unit confirms, or requests leave, deferral or exemption (approval) → "
        "notice issued → the trainee acknowledges, or requests leave, deferral or "
        "exemption instead (approval) → the institution records attendance."
    )
    process_summary_template = "{{ process.artifact }}"

    # Named by a roll call, to answer by its response deadline: RollCallFlow watches that
    # deadline for all its dispatches at once.
    start_in_roll_call = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Named by the roll call"))
        .Next(this.confirm)
    )

    # Named with a due moment of its own (a nominee accepted after the roll call's deadline,
    # a makeup), or sent back to confirm after a refused request: the confirmation is
    # watched here, in parallel with the task, unless something already watches its due.
    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Named with a due moment of its own"))
        .Next(this.watch_confirmation)
    )

    watch_confirmation = (
        flow.Split()
        .Annotation(title=_("Watch the confirmation's own due moment?"))
        .Always(this.confirm)
        .Next(this.await_confirm_reminder, case=this.needs_confirm_watch)
    )

    confirm = (
        EscalatingView(ConfirmView.as_view())
        .Annotation(title=_("Unit confirms or requests leave"), summary_template=SUBJECT)
        .Permission("org.act_as_liaison", obj=_dispatch_unit)
        # Still unanswered when the class begins: the answer is moot, the registrar
        # records whether the cadre came.
        .OnTimeout(_class_start_at, this.unanswered_at_start, title=_("The class begins"))
        .Next(this.answered)
    )

    unanswered_at_start = (
        flow.If(this.class_has_begun)
        .Annotation(title=_("Has the class begun?"))
        .Then(this.record_attendance)
        .Else(this.watch_confirmation)
    )

    answered = (
        flow.If(this.is_requested)
        .Annotation(title=_("Request not to attend?"))
        .Then(this.request_approval)
        .Else(this.issue_notice)
    )

    request_approval = (
        flow.Function(this.start_approval)
        .Annotation(title=_("Approval requested"))
        .Next(this.await_decision)
    )

    await_decision = (
        flow.Handle(this.receive_decision)
        .Annotation(title=_("Awaiting the approval"))
        .Next(this.decided)
    )

    decided = (
        flow.If(this.is_excused)
        .Annotation(title=_("Excused?"))
        .Then(this.closed)
        .Else(this.refused)
    )

    # Refused: the unit answers again — or, asked instead of 签收, the notice stands and
    # is to be acknowledged — unless the class has begun meanwhile (a late decision),
    # when nobody can answer any more and the registrar records whether the cadre came,
    # as for a confirmation still open at the class's start.
    refused = (
        flow.Switch()
        .Annotation(title=_("Has the class begun, or was the notice issued?"))
        .Case(this.record_attendance, this.class_has_begun)
        .Case(this.acknowledge, this.notice_issued)
        .Default(this.watch_confirmation)
    )

    issue_notice = (
        flow.Function(this.send_notice)
        .Annotation(title=_("Issue the admission notice"))
        .Next(this.acknowledge)
    )

    acknowledge = (
        EscalatingView(AcknowledgeView.as_view())
        .Annotation(title=_("Trainee acknowledges the notice"), summary_template=SUBJECT)
        .Assign(this.trainee_account)
        .Permission("org.act_as_liaison", obj=_dispatch_unit)
        .OnTimeout(
            _ack_reminder_at, this.remind_acknowledge, interrupting=False, title=_("Reminder due")
        )
        # Still not acknowledged when the class begins: the step is moot (the trainee came
        # or did not), and the institution records attendance all the same.
        .OnTimeout(_class_start_at, this.unacknowledged_at_start, title=_("The class begins"))
        .Next(this.notice_answered)
    )

    # Instead of 签收, the trainee (or the liaison, for a cadre without an account) may
    # ask for leave, deferral or exemption: the same approval as the unit's request.
    notice_answered = (
        flow.If(this.is_requested)
        .Annotation(title=_("Request not to attend instead?"))
        .Then(this.request_approval)
        .Else(this.record_attendance)
    )

    unacknowledged_at_start = (
        flow.If(this.class_has_begun)
        .Annotation(title=_("Has the class begun?"))
        .Then(this.record_attendance)
        .Else(this.acknowledge)
    )

    record_attendance = (
        flow.View(AttendanceView.as_view())
        .Annotation(title=_("Institution records attendance"), summary_template=SUBJECT)
        .Permission("org.record_attendance", obj=_dispatch_institution)
        .onCreate(this.list_from_class_start)
        .Next(this.closed)
    )

    closed = (
        flow.Function(this.report_outcome).Annotation(title=_("Outcome recorded")).Next(this.end)
    )

    end = flow.End().Annotation(title=_("Closed"))

    # Deadlines, each in parallel with the task it watches: a reminder before the due
    # moment, then, if the step is still open, escalation. The second timer is armed only
    # once the first fires.

    # Confirmation by a due moment of its own (see `start`); the timers read the due
    # moment when armed, and the reminder and escalation check that the dispatch still
    # waits for it.
    await_confirm_reminder = (
        flow.Timer(_confirm_reminder_at)
        .Annotation(title=_("Until the reminder before the confirmation is due"))
        .Next(this.remind_confirm)
    )
    remind_confirm, confirm_due, escalate_confirm = deadline(
        "confirm", due_at=_confirm_due_at, then=this.deadline_handled, who=_("Remind the unit")
    )

    # Acknowledgement by three days after the notice.
    remind_acknowledge, acknowledge_due, escalate_acknowledge = deadline(
        "acknowledge", due_at=_ack_due_at, then=this.deadline_handled, who=_("Remind the trainee")
    )

    deadline_handled = flow.End().Annotation(title=_("Deadline handled"))

    # node bodies

    def start_process(self, activation, dispatch):
        activation.process.artifact = dispatch
        return activation.process

    def needs_confirm_watch(self, activation):
        """The confirmation's due moment is neither the roll call's response deadline
        (RollCallFlow watches that) nor already watched by this process."""
        dispatch = fresh_artifact(activation.process)
        if dispatch.roll_call_id and dispatch.confirm_due == dispatch.roll_call.response_deadline:
            return False
        return not activation.process.task_set.filter(
            flow_task=self.await_confirm_reminder,
            scheduled=dispatch.confirm_due - _remind_before(),
        ).exists()

    def class_has_begun(self, activation):
        """Asked when a class-start timer fires (a class moved later since the timer was
        armed sends the step back to be answered, and its timer armed again), and when a
        request is refused (after the class began, the unit can no longer answer)."""
        return policy.class_has_begun(fresh_artifact(activation.process).training_class)

    def list_from_class_start(self, activation):
        """Attendance is recorded from the class's first day (`policy.attendance_refusal`):
        the registrars' 我的待办 lists the task from then, not from the trainee's 签收
        weeks before (a class moved moves it: `dispatch.receivers.on_class_moved`)."""
        list_from(activation.task, activation.process.artifact.training_class.start_date)

    def is_requested(self, activation):
        return fresh_artifact(activation.process).status == DispatchStatus.REQUESTED

    def notice_issued(self, activation):
        """The refused request was asked instead of 签收: the notice issued stands."""
        return bool(fresh_artifact(activation.process).notice_reference)

    def start_approval(self, activation):
        dispatch = fresh_artifact(activation.process)
        cadre = dispatch.cadre
        request = approval_services.request_create(
            actor=dispatch.requested_by,
            kind=dispatch.request_kind,
            subject=dispatch,
            title=f"{cadre.name}：{RequestKind(dispatch.request_kind).label}（{dispatch.training_class.name}）",
            reason=dispatch.request_reason,
            attachment=dispatch.request_attachment.name or None,
            chain=approval_policy.chain_for_cadre(cadre, unit=dispatch.unit),
            due_at=approval_due(dispatch),
            context={
                "request_kind": str(RequestKind(dispatch.request_kind).label),
                "cadre_name": cadre.name,
                "unit_name": dispatch.unit.name,
                "class_name": dispatch.training_class.name,
                # Asked instead of 签收: the approver sees that the notice was issued.
                **(
                    {"notice_number": dispatch.notice_reference}
                    if dispatch.notice_reference
                    else {}
                ),
            },
        )
        ApprovalFlow.start.run(request=request, _parent_task=activation.task)

    def receive_decision(self, activation, request):
        services.dispatch_request_decided(
            dispatch=fresh_artifact(activation.process),
            approved=request.status == RequestStatus.APPROVED,
        )

    def is_excused(self, activation):
        return fresh_artifact(activation.process).status in (
            DispatchStatus.DEFERRED,
            DispatchStatus.EXEMPT,
        )

    def report_outcome(self, activation):
        dispatch = fresh_artifact(activation.process)
        if dispatch.makes_up_id:
            resume_makeup(dispatch)
        owed = Makeup.objects.filter(source=dispatch).first()
        if owed is not None:
            start_makeup(owed)

    def send_notice(self, activation):
        services.dispatch_notify(dispatch=fresh_artifact(activation.process))

    def trainee_account(self, activation):
        return fresh_artifact(activation.process).cadre.user

    def remind(self, activation, step):
        """Remind whoever must still confirm or acknowledge (nothing once answered, or
        once the class has begun: the step is moot)."""
        dispatch = fresh_artifact(activation.process)
        if (
            dispatch.status == OPEN_STEP_STATUS[step]
            and timezone.now() < getattr(dispatch, f"{step}_due")
            and not policy.class_has_begun(dispatch.training_class)
        ):
            services.dispatch_remind(dispatch=dispatch, step=step)

    def escalate(self, activation, step):
        """The due moment passed with the step still open: the dispatchers take it over
        (not when answered, already escalated, given a new due moment meanwhile, or once
        the class has begun: the registrar records attendance instead)."""
        dispatch = fresh_artifact(activation.process)
        if (
            dispatch.status != OPEN_STEP_STATUS[step]
            or policy.class_has_begun(dispatch.training_class)
            or (step == "confirm" and dispatch.escalated)
            or getattr(dispatch, f"{step}_due") > timezone.now()
        ):
            return
        escalate_dispatch(dispatch, step, activation.process, getattr(self, step))

    artifact_model = Dispatch
    artifact_related = ("cadre", "unit", "training_class__institution__unit")
    # Attendance is due by the class's last day, by which the registrar records who came
    # (present is recorded only then).
    task_dues = {
        "confirm": "confirm_due",
        "acknowledge": "acknowledge_due",
        "record_attendance": Day("training_class__end_date"),
    }

    def visible_artifacts(self, user):
        # The unit's jurisdiction, and the departments that manage or co-manage the cadre.
        units = org_selectors.units_in_reach(user)
        return Dispatch.objects.filter(
            Q(unit__in=units) | org_selectors.managed_in_reach(units, prefix="cadre__")
        )

    def has_view_permission(self, user, obj=None):
        """Within the jurisdiction of the dispatch's unit — and for the people of the
        organization departments that manage or co-manage the cadre, who decide the
        cadre's requests (a co-managing department may lie outside that jurisdiction)."""
        if super().has_view_permission(user, obj):
            return True
        return (
            obj is not None
            and user.is_authenticated
            and obj.artifact_object_id is not None
            and self.visible_artifacts(user).filter(pk=obj.artifact_object_id).exists()
        )


def class_dated_timers() -> dict:
    """{timer node of DispatchFlow: (class) -> the moment it is due}: every timer whose
    delay reads the class's dates alone (`CLASS_DATED_DELAYS`), wherever the chart has
    it (a boundary of the confirmation, of the acknowledgement …)."""
    return {
        node: CLASS_DATED_DELAYS[node._delay]
        for node in DispatchFlow.instance.nodes()
        if getattr(node, "_delay", None) in CLASS_DATED_DELAYS
    }


def institution_steps() -> list:
    """The human steps of DispatchFlow taken on the class's institution
    (`.Permission(..., obj=_dispatch_institution)`): their open tasks follow a class moved
    to another institution (`dispatch.receivers.on_class_moved`)."""
    return [
        node
        for node in DispatchFlow.instance.nodes()
        if getattr(node, "_owner_permission_obj", None) is _dispatch_institution
    ]


def class_processes(training_class):
    """The open DispatchFlow processes of the class's dispatches, makeups' too (a query)."""
    return DispatchFlow.process_class._default_manager.filter(
        flow_class=DispatchFlow,
        status=PROCESS.NEW,
        artifact_content_type=ContentType.objects.get_for_model(Dispatch),
        artifact_object_id__in=Dispatch.objects.filter(training_class=training_class).values("pk"),
    )


def approval_due(dispatch):
    """Decide within the usual days, and at the latest the day before the class starts."""
    return answer_due(dispatch.training_class)


def escalate_dispatch(dispatch, step, process, node, *, announce=True):
    """The due moment passed: flag the dispatch and open the task to the dispatchers of
    the roll call's department (or of the cadre's unit for a makeup) as well; the unit's
    liaisons (or the trainee) may still answer. `announce=False`: the caller tells the
    dispatchers of many dispatches at once."""
    dispatch = services.dispatch_escalate(dispatch=dispatch, step=step, announce=announce)
    retarget_open_tasks(
        process,
        node,
        permission=ESCALATION_PERMISSION,
        scope=dispatch.roll_call.org_department.jurisdiction
        if dispatch.roll_call
        else dispatch.unit,
        keep=True,
    )


def _makeup_due_at(activation):
    makeup = activation.process.artifact
    return timezone.make_aware(dt.datetime.combine(makeup.due_date, dt.time.max))


def _makeup_scope(process):
    return makeup_services.makeup_scope(process.artifact)


class MakeupFlow(ScopedFlowMixin, flow.Flow):
    """Makeup training

    Owed after a deferral or an unexcused absence: the dispatcher schedules it into a
    later class that ends by the due date (suggested), it becomes a dispatch of kind
    makeup, and closes when attended. Past its due date — still unscheduled, or scheduled
    but not yet attended — it escalates (dispatchers and unit told) and appears in the
    next circular.
    """

    process_title = _("Makeup training")
    process_description = _(
        "Owed after a deferral or an unexcused absence: scheduled into a later class, "
        "attended as a makeup dispatch; escalated when its due date passes."
    )
    process_summary_template = "{{ process.artifact }}"

    start = (
        flow.StartHandle(this.start_process).Annotation(title=_("Makeup owed")).Next(this.schedule)
    )

    schedule = (
        flow.View(MakeupScheduleView.as_view())
        .Annotation(title=_("Dispatcher schedules the makeup"), summary_template=SUBJECT)
        .Permission("org.issue_dispatch", obj=_makeup_scope)
        .OnTimeout(_makeup_due_at, this.escalate, interrupting=False, title=_("Due date passed"))
        .Next(this.dispatch_makeup)
    )

    dispatch_makeup = (
        flow.Function(this.start_dispatch)
        .Annotation(title=_("Makeup dispatch starts"))
        .Next(this.await_outcome)
    )

    # Scheduled but still not attended at the due date: escalated all the same.
    await_outcome = (
        flow.Handle(this.receive_outcome)
        .Annotation(title=_("Awaiting the makeup class"))
        .OnTimeout(_makeup_due_at, this.escalate, interrupting=False, title=_("Due date passed"))
        .Next(this.made_up)
    )

    made_up = (
        flow.If(this.is_settled)
        .Annotation(title=_("Attended or exempted?"))
        .Then(this.end)
        .Else(this.schedule)
    )

    end = flow.End().Annotation(title=_("Made up"))

    escalate = (
        flow.Function(this.escalate_makeup)
        .Annotation(title=_("Escalate the overdue makeup"))
        .Next(this.escalated)
    )
    escalated = flow.End().Annotation(title=_("Escalated"))

    def start_process(self, activation, makeup):
        activation.process.artifact = makeup
        return activation.process

    def start_dispatch(self, activation):
        makeup = fresh_artifact(activation.process)
        dispatch = makeup.makeup_dispatches.order_by("-id").first()
        DispatchFlow.start.run(dispatch=dispatch)

    def receive_outcome(self, activation, dispatch):
        services.makeup_outcome(dispatch=dispatch)

    def is_settled(self, activation):
        return fresh_artifact(activation.process).status in SETTLED_MAKEUP_STATUSES

    def escalate_makeup(self, activation):
        services.makeup_escalate(makeup=fresh_artifact(activation.process))

    artifact_model = Makeup
    scope_attr = "cadre.unit"
    task_dues = {"schedule": Day("due_date")}
    artifact_related = (
        "cadre__managing_org_department__jurisdiction",
        "cadre__unit",
        "source__training_class",  # its title names the class missed
    )


def start_makeup(makeup):
    MakeupFlow.start.run(makeup=makeup)


def resume_makeup(dispatch):
    """A makeup dispatch closed: hand its outcome to the waiting makeup flow."""
    process = processes_of(dispatch.makes_up, MakeupFlow).filter(status=PROCESS.NEW).first()
    if process is None:
        return
    task = process.task_set.filter(flow_task=MakeupFlow.await_outcome, status=STATUS.NEW).first()
    if task is not None:
        MakeupFlow.await_outcome.run(task, dispatch=dispatch)
