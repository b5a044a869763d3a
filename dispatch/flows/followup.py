"""Flows after the class: makeup training, hour recognition, circulars."""

import dataclasses
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import PROCESS, STATUS

from approvals import policy as approval_policy
from approvals import services as approval_services
from approvals.flows import ApprovalFlow
from approvals.models import RequestStatus
from approvals.workflow import ScopedFlowMixin, fresh_artifact
from notifications.documents import builders
from notifications.documents.context import Paragraph
from notifications.services import issue_document

from .. import selectors, services
from ..documents import issuer_of
from ..models import Circular, CircularStatus, HourRecord, Makeup, MakeupStatus
from ..task_views import (
    CircularApproveView,
    CircularDraftView,
    CircularStartView,
    MakeupScheduleView,
    RecognitionStartView,
)
from .dispatching import DispatchFlow, processes_of

# Each task names its subject (the dispatch, request, filing…) in lists and queues.
SUBJECT = "{{ process.artifact }}"


def _makeup_due_at(activation):
    makeup = activation.process.artifact
    return timezone.make_aware(dt.datetime.combine(makeup.due_date, dt.time.max))


def _makeup_scope(process):
    return services.followup.makeup_scope(process.artifact)


class MakeupFlow(ScopedFlowMixin, flow.Flow):
    """Makeup training

    Owed after a deferral or an unexcused absence: the dispatcher schedules it into a
    later class that starts by the due date (suggested), it becomes a dispatch of kind
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
        .Permission("dispatch.issue_dispatch", obj=_makeup_scope)
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
        flow.If(this.is_attended)
        .Annotation(title=_("Attended?"))
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

    def is_attended(self, activation):
        return fresh_artifact(activation.process).status == MakeupStatus.ATTENDED

    def escalate_makeup(self, activation):
        services.makeup_escalate(makeup=fresh_artifact(activation.process))

    def artifact_queryset(self):
        return Makeup.objects.select_related(
            "cadre__managing_org_department__jurisdiction", "cadre__unit"
        )

    def visible_artifacts(self, user):
        return Makeup.objects.filter(cadre__unit__in=selectors.units_in_reach(user))

    def scope_of(self, process):
        return process.artifact.cadre.unit if process.artifact_object_id else None


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


def _can_request_recognition(user):
    return selectors.units_in_reach(user, "act_as_liaison").exists()


class RecognitionFlow(ScopedFlowMixin, flow.Flow):
    """Hour recognition (学时认定)

    A unit asks that hours earned on another platform or at another institution count;
    the approval chain decides.
    """

    process_title = _("Hour recognition")
    process_description = _(
        "Hours earned on another platform or at another institution count once the "
        "approval chain agrees."
    )
    process_summary_template = "{{ process.artifact.cadre }} {{ process.artifact.hours }}"

    start = (
        flow.Start(RecognitionStartView.as_view())
        .Annotation(title=_("Liaison requests recognition"))
        .Available(_can_request_recognition)
        .Next(this.request_approval)
    )

    request_approval = (
        flow.Function(this.start_approval)
        .Annotation(title=_("Approval requested"))
        .Next(this.await_decision)
    )

    await_decision = (
        flow.Handle(this.receive_decision)
        .Annotation(title=_("Awaiting the decision"))
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("Decided"))

    def start_approval(self, activation):
        record = fresh_artifact(activation.process)
        cadre = record.cadre
        departments = [cadre.managing_org_department]
        if cadre.co_managing_org_department_id:
            departments.append(cadre.co_managing_org_department)
        request = approval_services.request_create(
            actor=activation.process.task_set.order_by("id").first().owner,
            kind="recognition",
            subject=record,
            title=f"{cadre.name}：学时认定 {record.hours}学时",
            reason=record.note,
            chain=approval_policy.approval_chain(
                unit=cadre.unit, org_departments=[(str(od), od.jurisdiction) for od in departments]
            ),
            context={
                "request_kind": "学时认定",
                "cadre_name": cadre.name,
                "unit_name": cadre.unit.name,
            },
        )
        ApprovalFlow.start.run(request=request, _parent_task=activation.task)

    def receive_decision(self, activation, request):
        services.recognition_decided(
            record=fresh_artifact(activation.process),
            approved=request.status == RequestStatus.APPROVED,
        )

    def artifact_queryset(self):
        return HourRecord.objects.select_related("cadre__unit")

    def visible_artifacts(self, user):
        return HourRecord.objects.filter(cadre__unit__in=selectors.units_in_reach(user))

    def scope_of(self, process):
        return process.artifact.cadre.unit if process.artifact_object_id else None


def _can_start_circular(user):
    return selectors.units_in_reach(user, "issue_dispatch").exists()


def _circular_department_unit(process):
    return process.artifact.org_department.unit


def _circular_jurisdiction(process):
    return process.artifact.org_department.jurisdiction


class CircularFlow(ScopedFlowMixin, flow.Flow):
    """Circular (通报)

    Figures per unit for the period → the drafter edits the text → the org department
    head approves or returns it → issued with a document number as a GB/T 9704 PDF →
    units notified.
    """

    process_title = _("Circular")
    process_description = _(
        "Figures per unit for the period, drafted, approved by the organization department "
        "head, issued as a numbered official document and sent to the units."
    )
    process_summary_template = "{{ process.artifact.title }}"

    start = (
        flow.Start(CircularStartView.as_view())
        .Annotation(title=_("Dispatcher starts a circular"))
        .Available(_can_start_circular)
        .Next(this.draft)
    )

    scheduled_start = (
        flow.StartHandle(this.start_scheduled)
        .Annotation(title=_("Started on schedule"))
        .Next(this.draft)
    )

    draft = (
        flow.View(CircularDraftView.as_view())
        .Annotation(title=_("Drafter edits the text"), summary_template=SUBJECT)
        .Permission("dispatch.issue_dispatch", obj=_circular_department_unit)
        .Next(this.approval)
    )

    approval = (
        flow.View(CircularApproveView.as_view())
        .Annotation(title=_("Organization department head approves"), summary_template=SUBJECT)
        .Permission("dispatch.approve_as_org_department", obj=_circular_jurisdiction)
        .Next(this.approved)
    )

    approved = (
        flow.If(this.is_returned).Annotation(title=_("Returned?")).Then(this.draft).Else(this.issue)
    )

    issue = (
        flow.Function(this.issue_circular).Annotation(title=_("Issue the circular")).Next(this.end)
    )

    end = flow.End().Annotation(title=_("Issued"))

    def start_scheduled(self, activation, circular):
        activation.process.artifact = circular
        return activation.process

    def is_returned(self, activation):
        return fresh_artifact(activation.process).status == CircularStatus.RETURNED

    def issue_circular(self, activation):
        circular = fresh_artifact(activation.process)
        approval = activation.process.task_set.filter(flow_task=self.approval).latest("finished")
        document = issue_circular_document(circular, actor=approval.owner)
        services.circular_mark_issued(circular=circular, document=document)

    def artifact_queryset(self):
        return Circular.objects.select_related(
            "org_department__unit", "org_department__jurisdiction"
        )

    def visible_artifacts(self, user):
        return Circular.objects.filter(org_department__unit__in=selectors.units_in_reach(user))

    def scope_of(self, process):
        return process.artifact.org_department.unit if process.artifact_object_id else None


def printed_rows(figures) -> list[dict]:
    """The circular's table lines (see `services.followup.circular_rows`)."""
    return services.followup.circular_rows(figures)


def issue_circular_document(circular: Circular, actor=None):
    """Render and issue the circular as an official document with its number."""
    figures = circular.figures
    context = builders.circular(
        issuer=issuer_of(circular.org_department),
        period=services.followup.period_label(circular.period_start, circular.period_end),
        figures=printed_rows(figures),
        absentees=figures.get("absentees", []),
        overdue_makeups=figures.get("overdue_makeups", []),
        date=timezone.localdate(),
        title=circular.title,
        printed_by=circular.org_department.unit.name,
        organizer=circular.org_department.unit.name,
    )
    drafted = [Paragraph(text.strip()) for text in circular.body.splitlines() if text.strip()]
    if drafted:
        context = dataclasses.replace(context, body=[*context.body, *drafted])
    return issue_document(actor=actor, kind="circular", context=context, subject=circular)


def start_scheduled_circular(*, org_department, period_kind, start, end):
    """Start a circular for a finished period unless one exists (run by the schedule)."""
    if Circular.objects.filter(
        org_department=org_department, period_start=start, period_end=end
    ).exists():
        return None
    circular = services.circular_create(
        actor=None, org_department=org_department, period_kind=period_kind, start=start, end=end
    )
    CircularFlow.scheduled_start.run(circular=circular)
    return circular
