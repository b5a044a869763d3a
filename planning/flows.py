"""The yearly dispatch plan's flows: PlanFlow (draft → consultation → the head approves
or returns → publish) and ConsultationFlow (会商: one institution or unit accepts or
comments by the deadline; reminded before it, lapsed — no comment — after it)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from org.policy import is_dispatcher
from planning import services
from planning.documents import issue_plan_document
from planning.models import Consultation, ConsultationStatus, Plan, PlanStatus
from planning.policy import consultation_permission, drafters_of_plans, require_not_own_drafter
from planning.publishing import plan_publish, set_document
from planning.task_views import (
    ConsultationAnswerView,
    PlanApproveView,
    PlanDraftView,
    PlanStartView,
)
from workflow.locks import process_lock
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT, RecusingView, deadline
from workflow.runtime import (
    cancel_open_tasks,
    cancel_process,
    fresh_artifact,
    processes_of,
)


def _plan_department_unit(process):
    return process.artifact.org_department.unit


def _plan_jurisdiction(process):
    return process.artifact.org_department.jurisdiction


class PlanFlow(ScopedFlowMixin, flow.Flow):
    """Yearly dispatch plan

    The dispatcher drafts the classes → the institutions and units allotted seats are
    consulted (会商) → the organization department head approves or returns it →
    published: classes created; each class's roll call starts on its dispatch date.
    """

    process_title = _("Dispatch plan")
    process_description = _(
        "The dispatcher drafts the year's classes, the institutions and units are "
        "consulted, the organization department head approves, and the plan is published."
    )
    process_summary_template = "{{ process.artifact }}"

    start = (
        flow.Start(PlanStartView.as_view())
        .Annotation(title=_("Dispatcher starts a plan"))
        .Available(is_dispatcher)
        .Next(this.draft)
    )

    new_version = (
        flow.StartHandle(this.start_version)
        .Annotation(title=_("A change to the published plan"))
        .Next(this.draft)
    )

    draft = (
        flow.View(PlanDraftView.as_view())
        .Annotation(title=_("Dispatcher drafts the classes"), summary_template=SUBJECT)
        .Permission("org.issue_dispatch", obj=_plan_department_unit)
        .Next(this.consult)
    )

    consult = (
        flow.Function(this.open_consultation)
        .Annotation(title=_("Consult the institutions and units"))
        .Next(this.approval)
    )

    approval = (
        RecusingView(
            PlanApproveView.as_view(), refuse=require_not_own_drafter, makers=drafters_of_plans
        )
        .Annotation(title=_("Organization department head approves"), summary_template=SUBJECT)
        .Permission("org.approve_as_org_department", obj=_plan_jurisdiction)
        .Next(this.approved)
    )

    approved = (
        flow.If(this.is_returned)
        .Annotation(title=_("Returned?"))
        .Then(this.draft)
        .Else(this.publish)
    )

    publish = (
        flow.Function(this.publish_plan).Annotation(title=_("Publish the plan")).Next(this.end)
    )

    end = flow.End().Annotation(title=_("Published"))

    def start_version(self, activation, plan):
        activation.process.artifact = plan
        return activation.process

    def open_consultation(self, activation):
        plan = fresh_artifact(activation.process)
        for consultation in plan.consultations.filter(status=ConsultationStatus.OPEN):
            ConsultationFlow.start.run(consultation=consultation)

    def is_returned(self, activation):
        plan = fresh_artifact(activation.process)
        if plan.status == PlanStatus.RETURNED:
            close_consultations(plan)
            return True
        return False

    def publish_plan(self, activation):
        plan = fresh_artifact(activation.process)
        approval = activation.process.task_set.filter(flow_task=self.approval).latest("finished")
        plan_publish(actor=approval.owner, plan=plan)
        close_consultations(plan)
        set_document(plan, issue_plan_document(plan, actor=approval.owner))

    artifact_model = Plan
    scope_attr = "org_department.unit"
    artifact_related = ("org_department__unit", "org_department__jurisdiction")


def close_lapsed(consultation_ids) -> None:
    """After a lapse committed: the answer task of each consultation it lapsed besides
    the timer's own, closed under its own process's lock, holding nothing else (their own
    timers would close them too, but a timer that ran alongside the lapse found its
    consultation still open and left its task)."""
    lapsed = Consultation.objects.filter(pk__in=consultation_ids, status=ConsultationStatus.LAPSED)
    for consultation in lapsed:
        for process in processes_of(consultation, ConsultationFlow).filter(status=PROCESS.NEW):
            with process_lock(ConsultationFlow, process.pk):
                cancel_open_tasks(process, ConsultationFlow.answer)


def close_consultations(plan) -> None:
    """Cancel the consultation processes still open (lapsed or answered no more)."""
    for consultation in plan.consultations.all():
        for process in processes_of(consultation, ConsultationFlow).filter(status=PROCESS.NEW):
            cancel_process(process)


def _consultee(process):
    return process.artifact.unit


def _consultee_permission(activation):
    return "org." + consultation_permission(activation.process.artifact.unit)


def _remind_before():
    return dt.timedelta(hours=settings.XUNDIAO_REMINDER_BEFORE_HOURS)


def _consultation_reminder_at(activation):
    due = activation.process.artifact.due
    return max(due - _remind_before(), timezone.now())


def _consultation_due_at(activation):
    return activation.process.artifact.due


class ConsultationFlow(ScopedFlowMixin, flow.Flow):
    """Consultation on a plan (会商)

    An institution (its registrar) or a unit allotted seats (its head) accepts the draft
    plan or comments on it by the deadline; reminded before it, lapsed after it.
    """

    process_title = _("Plan consultation")
    process_description = _(
        "An institution or a unit allotted seats accepts the draft plan or comments on it "
        "by the deadline; without an answer it lapses as no comment."
    )
    process_summary_template = "{{ process.artifact }}"

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Consultation opened"))
        .Next(this.answer)
    )

    answer = (
        flow.View(ConsultationAnswerView.as_view())
        .Annotation(title=_("Accept or comment"), summary_template=SUBJECT)
        .Permission(_consultee_permission, obj=_consultee)
        .OnTimeout(
            _consultation_reminder_at,
            this.remind_answer,
            interrupting=False,
            title=_("Reminder due"),
        )
        .Next(this.end)
    )

    remind_answer, answer_due, escalate_answer = deadline(
        "answer", due_at=_consultation_due_at, then=this.deadline_handled
    )

    deadline_handled = flow.End().Annotation(title=_("Deadline handled"))
    end = flow.End().Annotation(title=_("Answered"))

    def start_process(self, activation, consultation):
        activation.process.artifact = consultation
        return activation.process

    def remind(self, activation, step="answer"):
        services.consultations_remind(consultation=fresh_artifact(activation.process))

    def escalate(self, activation, step="answer"):
        """The deadline passed unanswered: no comment; the plan's dispatchers hear (of
        every consultation of the plan that lapsed with it, in one message)."""
        consultation = fresh_artifact(activation.process)
        lapsed = services.consultations_lapse(plan=consultation.plan)
        consultation.refresh_from_db(fields=["status"])
        if consultation.status == ConsultationStatus.LAPSED:
            cancel_open_tasks(activation.process, self.answer)
        others = [c.pk for c in lapsed if c.pk != consultation.pk]
        if others:
            transaction.on_commit(lambda: close_lapsed(others))

    artifact_model = Consultation
    task_dues = {"answer": "due"}
    scope_attr = "unit"
    artifact_related = ("unit", "plan__org_department__unit")


def draft_task_url(plan) -> str | None:
    """The page of the plan's open draft task (to send it to consultation once its
    classes are in), or None when the plan is not being drafted."""
    task = (
        Task.objects.filter(
            flow_task=PlanFlow.draft,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            process__in=processes_of(plan, PlanFlow),
        )
        .values_list("process_id", "pk")
        .first()
    )  # one query
    return PlanFlow.draft.reverse("index", args=list(task)) if task else None


@transaction.atomic
def start_new_version(*, actor, plan, reason):
    """A change to a published plan: its next version, drafted in a new PlanFlow."""
    new = services.plan_new_version(actor=actor, plan=plan, reason=reason)
    PlanFlow.new_version.run(plan=new)
    return new
