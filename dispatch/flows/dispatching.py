"""The dispatch flows. Each reads top-down like its chart; node bodies are one call into
a service. Flows link by starting another flow's StartHandle, and a parent waits on a
Handle node that the child's outcome resumes (the open edition has no Subprocess)."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import PROCESS

from approvals import policy as approval_policy
from approvals import services as approval_services
from approvals.flows import ApprovalFlow
from approvals.models import ApprovalRequest, RequestStatus
from dispatch import services
from dispatch.models import (
    Dispatch,
    DispatchStatus,
    Filing,
    Makeup,
    QuotaAllocation,
    QuotaStatus,
    RequestKind,
    RollCall,
    RollCallMode,
    RollCallStatus,
)
from dispatch.services.rollcall import answer_due
from dispatch.task_views import (
    AcknowledgeView,
    AttendanceView,
    ConfirmView,
    FilingCorrectView,
    FilingReviewView,
    FilingStartView,
    NominateView,
    NominationHeadView,
    NominationReviewView,
    RollCallStartView,
)
from org import selectors as org_selectors
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT
from workflow.runtime import cancel_process, fresh_artifact, processes_of, retarget_open_tasks


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


def _dispatch_unit(process):
    return process.artifact.unit


def _dispatch_institution(process):
    return process.artifact.training_class.institution.unit


class DispatchFlow(ScopedFlowMixin, flow.Flow):
    """Dispatch of one cadre

    Named → the unit confirms, or requests leave, deferral or exemption (approval) →
    notice issued → the trainee acknowledges → the institution records attendance.
    """

    process_title = _("Dispatch")
    process_description = _(
        "Named → the unit confirms, or requests leave, deferral or exemption (approval) → "
        "notice issued → the trainee acknowledges → the institution records attendance."
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
        flow.View(ConfirmView.as_view())
        .Annotation(title=_("Unit confirms or requests leave"), summary_template=SUBJECT)
        .Permission("org.act_as_liaison", obj=_dispatch_unit)
        .Next(this.answered)
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
        .Else(this.watch_confirmation)
    )

    issue_notice = (
        flow.Function(this.send_notice)
        .Annotation(title=_("Issue the admission notice"))
        .Next(this.acknowledge)
    )

    acknowledge = (
        flow.View(AcknowledgeView.as_view())
        .Annotation(title=_("Trainee acknowledges the notice"), summary_template=SUBJECT)
        .Assign(this.trainee_account)
        .Permission("org.act_as_liaison", obj=_dispatch_unit)
        .OnTimeout(
            _ack_reminder_at, this.remind_acknowledge, interrupting=False, title=_("Reminder due")
        )
        .Next(this.record_attendance)
    )

    record_attendance = (
        flow.View(AttendanceView.as_view())
        .Annotation(title=_("Institution records attendance"), summary_template=SUBJECT)
        .Permission("org.record_attendance", obj=_dispatch_institution)
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
    remind_confirm = (
        flow.Function(this.send_confirm_reminder)
        .Annotation(title=_("Remind the unit"))
        .Next(this.confirm_overdue)
    )
    confirm_overdue = (
        flow.Timer(_confirm_due_at)
        .Annotation(title=_("Until the confirmation is due"))
        .Next(this.escalate_confirm)
    )
    escalate_confirm = (
        flow.Function(this.escalate_confirmation)
        .Annotation(title=_("Escalate to the dispatchers"))
        .Next(this.deadline_handled)
    )

    # Acknowledgement by three days after the notice.
    remind_acknowledge = (
        flow.Function(this.send_ack_reminder)
        .Annotation(title=_("Remind the trainee"))
        .Next(this.acknowledge_due)
    )
    acknowledge_due = (
        flow.Timer(_ack_due_at)
        .Annotation(title=_("Until the acknowledgement is due"))
        .Next(this.escalate_acknowledge)
    )
    escalate_acknowledge = (
        flow.Function(this.escalate_acknowledgement)
        .Annotation(title=_("Escalate to the dispatchers"))
        .Next(this.deadline_handled)
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

    def is_requested(self, activation):
        return fresh_artifact(activation.process).status == DispatchStatus.REQUESTED

    def start_approval(self, activation):
        dispatch = fresh_artifact(activation.process)
        cadre = dispatch.cadre
        departments = [cadre.managing_org_department]
        if cadre.co_managing_org_department_id:
            departments.append(cadre.co_managing_org_department)
        request = approval_services.request_create(
            actor=dispatch.requested_by,
            kind=dispatch.request_kind,
            subject=dispatch,
            title=f"{cadre.name}：{RequestKind(dispatch.request_kind).label}（{dispatch.training_class.name}）",
            reason=dispatch.request_reason,
            attachment=dispatch.request_attachment.name or None,
            chain=approval_policy.approval_chain(
                unit=dispatch.unit,
                org_departments=[(str(od), od.jurisdiction) for od in departments],
            ),
            due_at=approval_due(dispatch),
            context={
                "request_kind": str(RequestKind(dispatch.request_kind).label),
                "cadre_name": cadre.name,
                "unit_name": dispatch.unit.name,
                "class_name": dispatch.training_class.name,
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
        from dispatch.flows.makeup import resume_makeup, start_makeup

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

    def send_confirm_reminder(self, activation):
        dispatch = fresh_artifact(activation.process)
        if dispatch.status == DispatchStatus.NAMED and timezone.now() < dispatch.confirm_due:
            services.dispatch_remind(dispatch=dispatch, step="confirm")

    def escalate_confirmation(self, activation):
        dispatch = fresh_artifact(activation.process)
        if (
            dispatch.status != DispatchStatus.NAMED
            or dispatch.escalated
            or dispatch.confirm_due > timezone.now()
        ):
            return  # answered, already escalated, or given a new due moment meanwhile
        escalate_dispatch(dispatch, "confirm", activation.process, self.confirm)

    def send_ack_reminder(self, activation):
        services.dispatch_remind(dispatch=fresh_artifact(activation.process), step="acknowledge")

    def escalate_acknowledgement(self, activation):
        self._escalate(activation, "acknowledge", self.acknowledge, DispatchStatus.NOTIFIED)

    def _escalate(self, activation, step, node, open_status):
        dispatch = fresh_artifact(activation.process)
        if dispatch.status != open_status:
            return  # answered between the reminder and the due moment
        escalate_dispatch(dispatch, step, activation.process, node)

    def artifact_queryset(self):
        return Dispatch.objects.select_related("cadre", "unit", "training_class__institution__unit")

    def visible_artifacts(self, user):
        # The unit's jurisdiction, and the departments that manage or co-manage the cadre.
        units = org_selectors.units_in_reach(user)
        return Dispatch.objects.filter(
            Q(unit__in=units) | org_selectors.managed_in_reach(units, prefix="cadre__")
        )

    def scope_of(self, process):
        return process.artifact.unit if process.artifact_object_id else None

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


def approval_due(dispatch):
    """Decide within the usual days, and at the latest the day before the class starts."""
    return answer_due(dispatch.training_class)


def escalate_dispatch(dispatch, step, process, node):
    """The due moment passed: flag the dispatch and hand the open task to the dispatchers
    of the roll call's department (or of the cadre's unit for a makeup)."""
    dispatch = services.dispatch_escalate(dispatch=dispatch, step=step)
    retarget_open_tasks(
        process,
        node,
        permission="org.issue_dispatch",
        scope=dispatch.roll_call.org_department.jurisdiction
        if dispatch.roll_call
        else dispatch.unit,
    )


def _roll_call_reminder_at(activation):
    return activation.process.artifact.response_deadline - _remind_before()


def _roll_call_deadline_at(activation):
    return activation.process.artifact.response_deadline


def _can_issue(user):
    return org_selectors.units_in_reach(user, "issue_dispatch").exists()


class RollCallFlow(ScopedFlowMixin, flow.Flow):
    """Roll call

    The dispatcher names cadres for a class, or allots seats to units that then
    nominate; each named cadre gets a dispatch of their own.
    """

    process_title = _("Roll call")
    process_description = _(
        "The dispatcher names cadres for a class, or allots seats to units that then "
        "nominate; each named cadre gets a dispatch of their own."
    )
    process_summary_template = "{{ process.artifact }}"

    start = (
        flow.Start(RollCallStartView.as_view())
        .Annotation(title=_("Dispatcher issues the roll call"))
        .Available(_can_issue)
        .Next(this.by_mode)
    )

    by_mode = (
        flow.If(this.is_named)
        .Annotation(title=_("Named roll call?"))
        .Then(this.name_cadres)
        .Else(this.allot_seats)
    )

    name_cadres = (
        flow.Function(this.start_dispatches)
        .Annotation(title=_("Start a dispatch per cadre"))
        .Next(this.await_reminder)
    )

    allot_seats = (
        flow.Function(this.start_nominations)
        .Annotation(title=_("Start a nomination per unit"))
        .Next(this.await_reminder)
    )

    # The response deadline, for every dispatch and nomination of the roll call at once.
    await_reminder = (
        flow.Timer(_roll_call_reminder_at)
        .Annotation(title=_("Until the reminder before the response deadline"))
        .Next(this.remind_unanswered)
    )

    remind_unanswered = (
        flow.Function(this.send_reminders)
        .Annotation(title=_("Remind the units"))
        .Next(this.await_deadline)
    )

    await_deadline = (
        flow.Timer(_roll_call_deadline_at)
        .Annotation(title=_("Until the response deadline"))
        .Next(this.escalate_unanswered)
    )

    escalate_unanswered = (
        flow.Function(this.escalate_overdue)
        .Annotation(title=_("Escalate to the dispatchers"))
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("Deadline passed"))

    def is_named(self, activation):
        return fresh_artifact(activation.process).mode == RollCallMode.NAMED

    def start_dispatches(self, activation):
        roll_call = fresh_artifact(activation.process)
        start_dispatches(
            roll_call=roll_call,
            cadres=roll_call.named_cadres.select_related("unit"),
            actor=roll_call.created_by,
        )

    def send_reminders(self, activation):
        roll_call = fresh_artifact(activation.process)
        for dispatch in self.unanswered(roll_call):
            services.dispatch_remind(dispatch=dispatch, step="confirm")
        for allocation in roll_call.allocations.filter(status=QuotaStatus.AWAITING_NOMINATION):
            services.nomination_remind(allocation=allocation)

    def escalate_overdue(self, activation):
        roll_call = fresh_artifact(activation.process)
        if roll_call.status != RollCallStatus.OPEN:
            return
        for dispatch in self.unanswered(roll_call):
            process = processes_of(dispatch, DispatchFlow).filter(status=PROCESS.NEW).first()
            if process is not None:
                escalate_dispatch(dispatch, "confirm", process, DispatchFlow.confirm)
        for allocation in roll_call.allocations.filter(status=QuotaStatus.AWAITING_NOMINATION):
            services.nomination_escalate(allocation=allocation)
            for process in processes_of(allocation, NominationFlow).filter(status=PROCESS.NEW):
                retarget_open_tasks(
                    process,
                    NominationFlow.nominate,
                    permission="org.issue_dispatch",
                    scope=roll_call.org_department.jurisdiction,
                )

    def unanswered(self, roll_call):
        """Dispatches still to be confirmed by the response deadline (not those given a
        due moment of their own, which their DispatchFlow watches)."""
        return roll_call.dispatches.filter(
            status=DispatchStatus.NAMED, confirm_due=roll_call.response_deadline
        )

    def start_nominations(self, activation):
        for allocation in fresh_artifact(activation.process).allocations.all():
            NominationFlow.start.run(allocation=allocation)

    def artifact_queryset(self):
        return RollCall.objects.select_related("training_class", "org_department__unit")

    def visible_artifacts(self, user):
        return RollCall.objects.filter(org_department__unit__in=org_selectors.units_in_reach(user))

    def scope_of(self, process):
        return process.artifact.org_department.unit if process.artifact_object_id else None


def start_dispatches(*, roll_call, cadres, actor):
    """Name the cadres and start a dispatch process for each."""
    from dispatch import documents

    dispatches = services.dispatches_create(actor=actor, roll_call=roll_call, cadres=cadres)
    for dispatch in dispatches:
        if dispatch.confirm_due == roll_call.response_deadline:
            DispatchFlow.start_in_roll_call.run(dispatch=dispatch)
        else:  # named after the response deadline: due later, watched by its own flow
            DispatchFlow.start.run(dispatch=dispatch)
    documents.queue_announcement(roll_call, dispatches)
    return dispatches


def _allocation_unit(process):
    return process.artifact.unit


def _allocation_dispatcher_scope(process):
    return process.artifact.roll_call.org_department.jurisdiction


class NominationFlow(ScopedFlowMixin, flow.Flow):
    """Nomination for allotted seats

    The unit liaison nominates up to the unit's seats, the department head approves,
    the dispatcher accepts or returns it with a reason.
    """

    process_title = _("Nomination")
    process_description = _(
        "The unit liaison nominates up to the unit's seats, the department head approves, "
        "the dispatcher accepts or returns it with a reason."
    )
    process_summary_template = "{{ process.artifact.roll_call }} · {{ process.artifact.unit }}"

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Seats allotted"))
        .Next(this.nominate)
    )

    nominate = (
        flow.View(NominateView.as_view())
        .Annotation(title=_("Liaison nominates"), summary_template=SUBJECT)
        .Permission("org.act_as_liaison", obj=_allocation_unit)
        .Next(this.head_approval)
    )

    head_approval = (
        flow.View(NominationHeadView.as_view())
        .Annotation(title=_("Department head approves"), summary_template=SUBJECT)
        .Permission("org.approve_as_head", obj=_allocation_unit)
        .Next(this.head_decided)
    )

    head_decided = (
        flow.If(this.is_awaiting_dispatcher)
        .Annotation(title=_("Approved by the department head?"))
        .Then(this.dispatcher_review)
        .Else(this.nominate)
    )

    dispatcher_review = (
        flow.View(NominationReviewView.as_view())
        .Annotation(title=_("Dispatcher accepts or returns"), summary_template=SUBJECT)
        .Permission("org.issue_dispatch", obj=_allocation_dispatcher_scope)
        .Next(this.reviewed)
    )

    reviewed = (
        flow.If(this.is_accepted)
        .Annotation(title=_("Accepted by the dispatcher?"))
        .Then(this.dispatch_nominees)
        .Else(this.nominate)
    )

    dispatch_nominees = (
        flow.Function(this.start_dispatches)
        .Annotation(title=_("Start a dispatch per nominee"))
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("Nominees dispatched"))

    def start_process(self, activation, allocation):
        activation.process.artifact = allocation
        return activation.process

    def is_awaiting_dispatcher(self, activation):
        return fresh_artifact(activation.process).status == QuotaStatus.AWAITING_DISPATCHER

    def is_accepted(self, activation):
        return fresh_artifact(activation.process).status == QuotaStatus.ACCEPTED

    def start_dispatches(self, activation):
        allocation = fresh_artifact(activation.process)
        start_dispatches(
            roll_call=allocation.roll_call,
            cadres=allocation.nominees.select_related("unit"),
            actor=None,
        )

    def artifact_queryset(self):
        return QuotaAllocation.objects.select_related(
            "unit", "roll_call__training_class", "roll_call__org_department__jurisdiction"
        )

    def visible_artifacts(self, user):
        return QuotaAllocation.objects.filter(unit__in=org_selectors.units_in_reach(user))

    def scope_of(self, process):
        return process.artifact.unit if process.artifact_object_id else None


def _filing_unit(process):
    return process.artifact.unit


def _can_file(user):
    return org_selectors.units_in_reach(user, "act_as_liaison").exists()


class FilingFlow(ScopedFlowMixin, flow.Flow):
    """Filing (报备)

    A unit reports a training it organized; the organization department accepts it
    (hours credited), returns it for correction, or rejects it.
    """

    process_title = _("Filing")
    process_description = _(
        "A unit reports a training it organized; the organization department accepts it "
        "(hours credited), returns it for correction, or rejects it."
    )
    process_summary_template = "{{ process.artifact }}"

    start = (
        flow.Start(FilingStartView.as_view())
        .Annotation(title=_("Liaison files a training"))
        .Available(_can_file)
        .Next(this.review)
    )

    review = (
        flow.View(FilingReviewView.as_view())
        .Annotation(title=_("Organization department reviews"), summary_template=SUBJECT)
        .Permission("org.issue_dispatch", obj=_filing_unit)
        .Next(this.reviewed)
    )

    reviewed = (
        flow.If(this.is_returned)
        .Annotation(title=_("Returned for correction?"))
        .Then(this.correct)
        .Else(this.end)
    )

    correct = (
        flow.View(FilingCorrectView.as_view())
        .Annotation(title=_("Liaison corrects the filing"), summary_template=SUBJECT)
        .Permission("org.act_as_liaison", obj=_filing_unit)
        .Next(this.review)
    )

    end = flow.End().Annotation(title=_("Accepted or rejected"))

    def is_returned(self, activation):
        return fresh_artifact(activation.process).status == "returned"

    def artifact_queryset(self):
        return Filing.objects.select_related("unit")

    def visible_artifacts(self, user):
        return Filing.objects.filter(unit__in=org_selectors.units_in_reach(user))

    def scope_of(self, process):
        return process.artifact.unit if process.artifact_object_id else None


# Orchestration across flows


@transaction.atomic
def cancel_roll_call(*, actor, roll_call, reason):
    """Cancel the roll call, its open dispatches and nominations, and their processes."""
    cancelled = services.roll_call_cancel(actor=actor, roll_call=roll_call, reason=reason)
    for dispatch in cancelled:
        for process in processes_of(dispatch).filter(status=PROCESS.NEW):
            cancel_process(process)
        for request in ApprovalRequest.objects.filter(
            subject_type=ContentType.objects.get_for_model(dispatch),
            subject_id=dispatch.pk,
            status=RequestStatus.PENDING,
        ):
            approval_services.request_cancel(actor=actor, request=request, reason=reason)
            for process in processes_of(request).filter(status=PROCESS.NEW):
                cancel_process(process)
    for allocation in roll_call.allocations.all():
        for process in processes_of(allocation).filter(status=PROCESS.NEW):
            cancel_process(process)
    for process in processes_of(roll_call).filter(status=PROCESS.NEW):
        cancel_process(process)
    return cancelled
