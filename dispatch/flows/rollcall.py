"""Roll calls: the dispatcher names cadres (a DispatchFlow each) or allots seats to units
(a NominationFlow each, whose accepted nominees get a DispatchFlow); the roll call's
response deadline is watched once for all of them. Flows link by starting another flow's
StartHandle (the open edition has no Subprocess)."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import PROCESS

from approvals import services as approval_services
from approvals.models import ApprovalRequest, RequestStatus
from dispatch import notices, services
from dispatch import policy as dispatch_policy
from dispatch.flows.dispatch import DispatchFlow, _remind_before, escalate_dispatch
from dispatch.models import (
    DispatchStatus,
    QuotaAllocation,
    QuotaStatus,
    RollCall,
    RollCallMode,
    RollCallStatus,
)
from dispatch.policy import may_issue_roll_call
from dispatch.task_views import (
    NominateView,
    NominationHeadView,
    NominationReviewView,
    RollCallStartView,
)
from org.roles import ESCALATION_PERMISSION
from workflow import bulk
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import EscalatingView, RecusingView, deadline
from workflow.runtime import cancel_process, fresh_artifact, processes_of, retarget_open_tasks

#: a nomination task in 我的待办 names the class as well as the unit and its seats
NOMINATION_SUBJECT = "{{ process.artifact.roll_call.training_class.name }} · {{ process.artifact }}"


def _roll_call_reminder_at(activation):
    return activation.process.artifact.response_deadline - _remind_before()


def _roll_call_deadline_at(activation):
    return activation.process.artifact.response_deadline


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
        .Available(may_issue_roll_call)
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

    remind_unanswered, unanswered_due, escalate_unanswered = deadline(
        "unanswered", due_at=_roll_call_deadline_at, then=this.end, who=_("Remind the units")
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

    def remind(self, activation, step="unanswered"):
        """Remind every unit that has not answered (confirmed or nominated) yet."""
        roll_call = fresh_artifact(activation.process)
        services.roll_call_remind(
            roll_call=roll_call,
            dispatches=self.unanswered(roll_call).select_related("cadre", "unit"),
            allocations=self.silent(roll_call),
        )

    def escalate(self, activation, step="unanswered"):
        """The response deadline passed: the dispatchers may take over what is unanswered
        (the units still may answer)."""
        roll_call = fresh_artifact(activation.process)
        if roll_call.status != RollCallStatus.OPEN:
            return
        dispatches = list(self.unanswered(roll_call).select_related("cadre", "unit"))
        for dispatch in dispatches:
            process = processes_of(dispatch, DispatchFlow).filter(status=PROCESS.NEW).first()
            if process is not None:
                escalate_dispatch(
                    dispatch, "confirm", process, DispatchFlow.confirm, announce=False
                )
        allocations = list(self.silent(roll_call))
        for allocation in allocations:
            services.nomination_escalate(allocation=allocation)
            for process in processes_of(allocation, NominationFlow).filter(status=PROCESS.NEW):
                retarget_open_tasks(
                    process,
                    NominationFlow.nominate,
                    permission=ESCALATION_PERMISSION,
                    scope=roll_call.org_department.jurisdiction,
                    keep=True,
                )
        # One message per dispatcher for the whole roll call.
        services.roll_call_escalated(
            roll_call=roll_call, dispatches=dispatches, allocations=allocations
        )

    def silent(self, roll_call):
        """Units allotted seats that have not nominated yet."""
        return roll_call.allocations.filter(status=QuotaStatus.AWAITING_NOMINATION).select_related(
            "unit"
        )

    def unanswered(self, roll_call):
        """Dispatches still to be confirmed by the response deadline (not those given a
        due moment of their own, which their DispatchFlow watches, nor those whose class
        has begun: late timers leave them to the registrar)."""
        return roll_call.dispatches.filter(
            status=DispatchStatus.NAMED, confirm_due=roll_call.response_deadline
        ).exclude(dispatch_policy.classes_begun())

    def start_nominations(self, activation):
        """A nomination per unit allotted seats; then each liaison of those units hears of
        the seats, once for the roll call (`notices.seats_allotted`)."""
        roll_call = fresh_artifact(activation.process)
        allocations = list(roll_call.allocations.select_related("unit"))
        for allocation in allocations:
            NominationFlow.start.run(allocation=allocation)
        notices.seats_allotted(roll_call, allocations)

    artifact_model = RollCall
    scope_attr = "org_department.unit"
    artifact_related = ("training_class", "org_department__unit")


def start_dispatches(*, roll_call, cadres, actor):
    """Name the cadres and start a dispatch process for each."""
    from dispatch import tasks

    dispatches = services.dispatches_create(actor=actor, roll_call=roll_call, cadres=cadres)
    # Those due by the roll call's deadline start together, in set-based writes (the rows
    # start_in_roll_call.run() would write, workflow/bulk.py); RollCallFlow watches them.
    bulk.start_many(
        DispatchFlow.start_in_roll_call,
        [d for d in dispatches if d.confirm_due == roll_call.response_deadline],
    )
    for dispatch in dispatches:
        if dispatch.confirm_due != roll_call.response_deadline:
            # named after the response deadline: due later, watched by its own flow
            DispatchFlow.start.run(dispatch=dispatch)
    tasks.queue_announcement(roll_call, dispatches)
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
        EscalatingView(NominateView.as_view())
        .Annotation(title=_("Liaison nominates"), summary_template=NOMINATION_SUBJECT)
        .Permission("org.act_as_liaison", obj=_allocation_unit)
        .Next(this.head_approval)
    )

    head_approval = (
        RecusingView(
            NominationHeadView.as_view(),
            refuse=dispatch_policy.require_not_own_nomination,
            makers=dispatch_policy.nomination_makers,
        )
        .Annotation(title=_("Department head approves"), summary_template=NOMINATION_SUBJECT)
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
        RecusingView(
            NominationReviewView.as_view(),
            refuse=dispatch_policy.require_not_nominee,
            makers=dispatch_policy.nominee_users,
        )
        .Annotation(title=_("Dispatcher accepts or returns"), summary_template=NOMINATION_SUBJECT)
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

    artifact_model = QuotaAllocation
    # A nomination's steps are due by the roll call's answer deadline.
    task_dues = dict.fromkeys(
        ("nominate", "head_approval", "dispatcher_review"), "roll_call__response_deadline"
    )
    artifact_related = (
        "unit",
        "roll_call__training_class",
        "roll_call__org_department__jurisdiction",
    )


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
