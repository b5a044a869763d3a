from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow import utils as flow_utils

from approvals import notices, policy, services
from approvals.models import ApprovalRequest, ApprovalStep, Decision
from approvals.policy import HEAD_STAGE, ORG_STAGE
from approvals.views import (
    NODE_STEPS,
    AttachmentView,
    DecisionDetailView,
    DecisionView,
    claim_permission,
    step_for_task,
)
from org.roles import ESCALATION_PERMISSION, ORG_PERMISSION
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT, deadline
from workflow.runtime import (
    ADDED_PERMISSION,
    fresh_artifact,
    processes_of,
    rearm_timers,
    retarget_open_tasks,
)


def _step_scope(stage, index):
    def scope(process):
        return services.current_steps(process.artifact, stage)[index].scope

    return scope


def reminder_moment(step):
    """When the approvers of `step` are reminded: hours before it is due."""
    return due_moment(step) - timedelta(hours=settings.XUNDIAO_REMINDER_BEFORE_HOURS)


def due_moment(step):
    """When `step`, still undecided, is escalated: its own due moment (its stage's window,
    `services.step_window`; a step not yet open is due when it would be if opened now)."""
    return step.due_at or services.step_window(step.request)


def _decision_node(node) -> str:
    """The decision task a deadline timer belongs to: the task a reminder boundary is
    attached to, or the task whose `<task>_due` timer it is (`workflow.nodes.deadline`)."""
    host = getattr(node, "_attached_to", None)
    return host.name if host is not None else node.name.removesuffix("_due")


def _timer_step(activation):
    stage, index = NODE_STEPS[_decision_node(activation.flow_task)]
    return services.current_steps(fresh_artifact(activation.process), stage)[index]


def _reminder_at(activation):
    return reminder_moment(_timer_step(activation))


def _due_at(activation):
    return due_moment(_timer_step(activation))


def rearm_deadlines(requests) -> None:
    """The due moments of each of `requests`' open steps changed
    (`services.requests_due_advance`): its process's reminder and escalation timers still
    to fire move with them, each to its own step's moment."""
    moments = {_reminder_at: reminder_moment, _due_at: due_moment}
    timers = [
        (node, moments[node._delay])
        for node in ApprovalFlow.instance.nodes()
        if getattr(node, "_delay", None) in moments
    ]
    for request in requests:
        processes = processes_of(request, ApprovalFlow)
        for node, moment in timers:
            stage, index = NODE_STEPS[_decision_node(node)]
            steps = services.current_steps(request, stage)
            if index < len(steps) and steps[index].due_at is not None:
                rearm_timers(processes, node, moment(steps[index]))


def _step_permission(stage, index):
    def permission(activation):
        return services.current_steps(activation.process.artifact, stage)[index].permission

    return permission


class Decide(flow.View):
    """A decision task: Viewflow's human task, which only those `approvals.policy.may_decide`
    lets decide the step may claim or execute. The one rule: the step's permission on its
    scope, and once the step is overdue and escalated the dispatchers' as well (the task's
    queue follows it: the escalation adds them, `retarget_open_tasks(keep=True)`); never
    anyone the separation of duties excludes, even holding the permission — the other
    heads of the unit, a deputy acting for them, or the dispatchers take it."""

    detail_view_class = DecisionDetailView

    def _may_decide(self, user, task):
        return policy.may_decide(user, step_for_task(self.activation_class(task)))

    def recused_among(self, user, tasks) -> set[int]:
        """The ids of `tasks` the user is recused from (`policy.is_recused`: they made the
        request, are its cadre, act only for such a person, or decided another step of
        its round) or that another department's dispatchers take, for 我的待办's mark: a
        fixed number of queries for a page of tasks (`policy.recused_among`)."""
        by_id = {t.pk: t for t in tasks if t.process.artifact is not None}
        recused = policy.recused_among(
            user,
            {pk: task.process.artifact for pk, task in by_id.items()},
            lambda pk: step_for_task(self.activation_class(by_id[pk])),
        )
        # An organization department's escalated step reaches the queue of every
        # dispatcher above it, but only its own department's take it
        # (`policy.escalated_elsewhere`): the others see it marked, not offered.
        escalated = [
            task
            for task in by_id.values()
            if task.owner_permission == ORG_PERMISSION
            and (task.data or {}).get(ADDED_PERMISSION)
            and task.owner_id != user.pk
        ]
        if escalated and not user.is_superuser:
            own = policy.org_step_units(user)
            recused |= {t.pk for t in escalated if int(t.owner_permission_obj_pk) not in own}
        return recused

    def can_assign(self, user, task):
        # Not Viewflow's check of the task's permission: the step's policy is the rule.
        return (
            task.owner_id is None
            and user is not None
            and user.is_authenticated
            and self._may_decide(user, task)
        )

    def can_execute(self, user, task):
        return super().can_execute(user, task) and self._may_decide(user, task)

    def may_hold(self, user, task) -> bool:
        """Whether the claimant may still decide the step (`workflow.nodes.may_hold`: a
        deputy whose delegation ended gives it back, `workflow.claims`)."""
        return self._may_decide(user, task)

    @property
    def assign_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/assign/",
            flow_utils.wrap_task_view(self, self.assign_view, permission=claim_permission(self)),
            name="assign",
        )


class ApprovalFlow(ScopedFlowMixin, flow.Flow):
    """Approval of a request not to attend (leave, deferral, exemption).

    The department head decides first; then the managing organization department, and
    for a dual-managed cadre the co-managing one in parallel. Any rejection rejects; an
    approver may send the request back one step with a reason.
    """

    process_title = _("Approval")
    process_description = _(
        "The department head decides first, then the managing organization department and, "
        "for a dual-managed cadre, the co-managing one in parallel. One rejection rejects; "
        "an approver may send the request back one step with a reason."
    )
    process_summary_template = "{{ process.artifact.title }}"

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Request filed"))
        .Next(this.head_review)
    )

    head_review = (
        Decide(DecisionView.as_view())
        .Annotation(title=_("Department head decides"), summary_template=SUBJECT)
        .Permission(_step_permission(HEAD_STAGE, 0), obj=_step_scope(HEAD_STAGE, 0))
        .OnTimeout(
            _reminder_at, this.remind_head_review, interrupting=False, title=_("Reminder due")
        )
        .onCreate(this.announce_waiting)
        .Next(this.head_decided)
    )

    head_decided = (
        flow.If(this.head_approved)
        .Annotation(title=_("Approved by the department head?"))
        .Then(this.org_split)
        .Else(this.settle)
    )

    org_split = (
        flow.Split()
        .Annotation(title=_("Organization departments decide in parallel"))
        .Next(this.managing_review)
        .Next(this.co_managing_review, case=this.is_dual_managed)
    )

    managing_review = (
        Decide(DecisionView.as_view())
        .Annotation(title=_("Managing organization department decides"), summary_template=SUBJECT)
        .Permission(_step_permission(ORG_STAGE, 0), obj=_step_scope(ORG_STAGE, 0))
        .OnTimeout(
            _reminder_at, this.remind_managing_review, interrupting=False, title=_("Reminder due")
        )
        .onCreate(this.announce_waiting)
        .Next(this.org_join)
    )

    co_managing_review = (
        Decide(DecisionView.as_view())
        .Annotation(
            title=_("Co-managing organization department decides"), summary_template=SUBJECT
        )
        .Permission(_step_permission(ORG_STAGE, 1), obj=_step_scope(ORG_STAGE, 1))
        .OnTimeout(
            _reminder_at,
            this.remind_co_managing_review,
            interrupting=False,
            title=_("Reminder due"),
        )
        .onCreate(this.announce_waiting)
        .Next(this.org_join)
    )

    # One rejection rejects: the join goes on as soon as a department rejects, and the
    # other department's open task is cancelled (the settle step records it).
    org_join = (
        flow.Join(continue_on_condition=this.org_stage_settled)
        .Annotation(title=_("Organization departments have decided"))
        .Next(this.org_decided)
    )

    org_decided = (
        flow.If(this.org_sent_back)
        .Annotation(title=_("Sent back to the department head?"))
        .Then(this.restart_round)
        .Else(this.settle)
    )

    restart_round = (
        flow.Function(this.start_new_round)
        .Annotation(title=_("New round from the department head"))
        .Next(this.head_review)
    )

    settle = (
        flow.Function(this.settle_request).Annotation(title=_("Decision recorded")).Next(this.end)
    )

    end = flow.End().Annotation(title=_("Decided"))

    # Deadlines of each decision, in parallel with it: a reminder, then at the due moment,
    # if still undecided, escalation (the dispatchers may take the task over).

    remind_head_review, head_review_due, escalate_head_review = deadline(
        "head_review", due_at=_due_at, then=this.deadline_handled, who=_("Remind the approvers")
    )
    remind_managing_review, managing_review_due, escalate_managing_review = deadline(
        "managing_review", due_at=_due_at, then=this.deadline_handled, who=_("Remind the approvers")
    )
    remind_co_managing_review, co_managing_review_due, escalate_co_managing_review = deadline(
        "co_managing_review",
        due_at=_due_at,
        then=this.deadline_handled,
        who=_("Remind the approvers"),
    )

    deadline_handled = flow.End().Annotation(title=_("Deadline handled"))

    # pages beside the tasks

    @property
    def attachment_path(self):
        return path(
            "<int:process_pk>/attachment/",
            AttachmentView.as_view(flow_class=type(self)),
            name="attachment",
        )

    # node bodies: one call into a service each

    def announce_waiting(self, activation):
        """A decision task was created: its step's window opens (unless its round's did
        already, `services.step_open`) before its deadline timers are armed, and whoever
        may take it is told."""
        step = services.step_open(step=self._step(activation, activation.flow_task.name))
        notices.waiting(step.request, step)

    def _step(self, activation, node_name):
        stage, index = NODE_STEPS[node_name]
        return services.current_steps(fresh_artifact(activation.process), stage)[index]

    def remind(self, activation, node_name):
        step = self._step(activation, node_name)
        if step.decision == Decision.PENDING:
            services.steps_remind(step=step)

    def escalate(self, activation, node_name):
        step = self._step(activation, node_name)
        services.steps_escalate(step=step)
        step.refresh_from_db(fields=["escalated"])
        if step.escalated and step.decision == Decision.PENDING:
            # Escalated now, or by the batch another step's timer led (which told the
            # dispatchers): its own timer hands the task on. The dispatchers may take it
            # too; those who could take it still may.
            retarget_open_tasks(
                activation.process,
                getattr(type(self), node_name),
                permission=ESCALATION_PERMISSION,
                scope=step.scope,
                keep=True,
            )

    def artifact_queryset(self):
        # The steps' deciders, read in no particular order (`policy.recused_among`).
        return (
            super()
            .artifact_queryset()
            .prefetch_related(Prefetch("steps", queryset=ApprovalStep.objects.order_by()))
        )

    def start_process(self, activation, request):
        activation.process.artifact = request

    def head_approved(self, activation):
        return services.stage_outcome(activation.process.artifact, HEAD_STAGE) == Decision.APPROVED

    def is_dual_managed(self, activation):
        return len(services.current_steps(activation.process.artifact, ORG_STAGE)) > 1

    def org_stage_settled(self, activation, active_tasks):
        """The join need not wait for the other branch: a department rejected, or every
        department has decided (a deadline timer may still run in a branch)."""
        decisions = {
            step.decision
            for step in services.current_steps(fresh_artifact(activation.process), ORG_STAGE)
        }
        return Decision.REJECTED in decisions or Decision.PENDING not in decisions

    def org_sent_back(self, activation):
        return services.stage_outcome(activation.process.artifact, ORG_STAGE) == Decision.SENT_BACK

    def start_new_round(self, activation):
        services.round_restart(request=activation.process.artifact)

    def settle_request(self, activation):
        services.request_settle(request=activation.process.artifact)

    artifact_model = ApprovalRequest
    # A decision task is due by its own step's window.
    task_dues = {
        node_name: services.step_due(stage, index)
        for node_name, (stage, index) in NODE_STEPS.items()
    }

    def visible_artifacts(self, user):
        return services.requests_visible_to(user)

    def scope_of(self, process):
        request = process.artifact
        return services.current_steps(request, HEAD_STAGE)[0].scope if request else None

    def has_view_permission(self, user, obj=None):
        """Within the jurisdiction of the head's scope, as every flow — and for the
        deciding organization departments too, whose jurisdiction (a co-managing
        department's) may not hold the cadre's unit: they see what they decide."""
        if super().has_view_permission(user, obj):
            return True
        return (
            obj is not None
            and user.is_authenticated
            and obj.artifact_object_id is not None
            and services.requests_visible_to(user).filter(pk=obj.artifact_object_id).exists()
        )
