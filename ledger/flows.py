"""Hour recognition: hours from another platform or institution, approved through the
approval chain (RecognitionFlow), then credited to the ledger."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from approvals import policy as approval_policy
from approvals import services as approval_services
from approvals.flows import ApprovalFlow
from core.formatting import format_date, format_hours
from ledger import services as ledger_services
from ledger.models import HourRecord, HourStatus
from ledger.recognition import recognition_provider
from ledger.task_views import RecognitionStartView
from ledger.views import RecognitionCorrectView
from org import selectors as org_selectors
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT
from workflow.runtime import fresh_artifact

"""Flows after the class: makeup training, hour recognition, circulars."""


def _can_request_recognition(user):
    return org_selectors.units_in_reach(user, "act_as_liaison").exists()


def _cadre_unit(process):
    return process.artifact.cadre.unit


class RecognitionFlow(ScopedFlowMixin, flow.Flow):
    """Hour recognition (学时认定)

    A unit asks that hours earned on another platform or at another institution count;
    the approval chain decides. Sent back to the unit (the department head's 退回), the
    unit corrects the request (its reason, a proof) and submits it again: a new approval
    round, as a refused leave request comes back to the unit to answer again.
    """

    process_title = _("Hour recognition")
    process_description = _(
        "Hours earned on another platform or at another institution count once the "
        "approval chain agrees; a request sent back to the unit is corrected and "
        "submitted again."
    )
    process_summary_template = "{{ process.artifact }}"

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
        .Next(this.decided)
    )

    decided = (
        flow.If(this.is_sent_back)
        .Annotation(title=_("Sent back to the unit?"))
        .Then(this.correct)
        .Else(this.end)
    )

    correct = (
        flow.View(RecognitionCorrectView.as_view())
        .Annotation(title=_("Liaison corrects and resubmits"), summary_template=SUBJECT)
        .Permission("org.act_as_liaison", obj=_cadre_unit)
        .Next(this.request_approval)
    )

    end = flow.End().Annotation(title=_("Decided"))

    def start_approval(self, activation):
        record = fresh_artifact(activation.process)
        cadre = record.cadre
        provider = recognition_provider(record)
        kind = record.get_kind_display()
        day = format_date(record.date)
        hours = format_hours(record.hours)
        request = approval_services.request_create(
            actor=self.applicant(activation.process),
            kind="recognition",
            subject=record,
            title=f"{cadre.name}：学时认定 {hours}学时（{day}，{kind}）",
            reason=ledger_services.recognition_reason(record),
            attachment=record.attachment.name or None,
            chain=approval_policy.chain_for_cadre(cadre),
            context={
                "request_kind": "学时认定",
                "cadre_name": cadre.name,
                "unit_name": cadre.unit.name,
                # What the approver decides on (templates/approvals/_details.html).
                "training_date": day,
                "training_kind": str(kind),
                "credit_hours": hours,
                "provider": provider,
            },
        )
        ApprovalFlow.start.run(request=request, _parent_task=activation.task)

    def applicant(self, process):
        """Who asks this round: the liaison who submitted the request, or who corrected
        it last."""
        for task in process.task_set.exclude(owner=None).order_by("-id"):
            if task.flow_task.name in ("start", "correct"):
                return task.owner
        return None

    def receive_decision(self, activation, request):
        ledger_services.recognition_settled(
            record=fresh_artifact(activation.process), request=request
        )

    def is_sent_back(self, activation):
        """Still pending once a round is settled: sent back to the unit
        (`recognition_settled`)."""
        return fresh_artifact(activation.process).status == HourStatus.PENDING

    artifact_model = HourRecord
    scope_attr = "cadre.unit"
    artifact_related = ("cadre__unit",)
