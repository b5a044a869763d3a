"""The circular (通报): figures counted for a period, drafted, approved by the org
department head (or returned), issued as a numbered document."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from circulars import lines as circular_lines
from circulars import periods, policy
from circulars import services as circular_services
from circulars import tasks as circular_tasks
from circulars.models import Circular, CircularStatus
from circulars.task_views import CircularApproveView, CircularDraftView, CircularStartView
from org.policy import is_dispatcher
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT, RecusingView
from workflow.runtime import fresh_artifact


def _circular_department_unit(process):
    return process.artifact.org_department.unit


def _circular_jurisdiction(process):
    return process.artifact.org_department.jurisdiction


def printed_rows(figures) -> list[dict]:
    """The circular's table lines (see `circular_lines.circular_rows`)."""
    return circular_lines.circular_rows(figures)


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
        .Available(is_dispatcher)
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
        .Permission("org.issue_dispatch", obj=_circular_department_unit)
        .Next(this.approval)
    )

    approval = (
        RecusingView(
            CircularApproveView.as_view(),
            refuse=policy.require_not_own_circular,
            makers=policy.makers_of_circulars,
        )
        .Annotation(title=_("Organization department head approves"), summary_template=SUBJECT)
        .Permission("org.approve_as_org_department", obj=_circular_jurisdiction)
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
        """Queue the rendering once the approval is committed: the head's request does
        not wait for the PDF; the circular's page shows its progress."""
        circular = fresh_artifact(activation.process)
        approval = activation.process.task_set.filter(flow_task=self.approval).latest("finished")
        actor_id = approval.owner_id
        transaction.on_commit(
            lambda: circular_tasks.issue_circular.delay(circular.pk, actor_id), robust=True
        )

    artifact_model = Circular
    scope_attr = "org_department.unit"
    artifact_related = ("org_department__unit", "org_department__jurisdiction")


def start_scheduled_circular(*, org_department, period_kind, start, end):
    """Start a circular for a finished period unless the department already has one for
    it or for an overlapping period (run by the schedule, daily: once per period, and
    never over a circular a dispatcher started by hand). `circular_create` asks the same
    rules again, with the department locked, and refuses a period not yet ended."""
    if periods.conflicting_circular(org_department, start, end) is not None:
        return None
    circular = circular_services.circular_create(
        actor=None, org_department=org_department, period_kind=period_kind, start=start, end=end
    )
    CircularFlow.scheduled_start.run(circular=circular)
    return circular
