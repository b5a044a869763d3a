"""Flows after the class: makeup training, hour recognition, circulars."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import PROCESS, STATUS

from dispatch import services
from dispatch.flows.dispatching import DispatchFlow
from dispatch.models import Makeup, MakeupStatus
from dispatch.services import makeup as makeup_services
from dispatch.task_views import MakeupScheduleView
from org import selectors as org_selectors
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT
from workflow.runtime import fresh_artifact, processes_of


def _makeup_due_at(activation):
    makeup = activation.process.artifact
    return timezone.make_aware(dt.datetime.combine(makeup.due_date, dt.time.max))


def _makeup_scope(process):
    return makeup_services.makeup_scope(process.artifact)


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
        return Makeup.objects.filter(cadre__unit__in=org_selectors.units_in_reach(user))

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
