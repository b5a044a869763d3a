"""Hour recognition: hours from another platform or institution, approved through the
approval chain (RecognitionFlow), then credited to the ledger."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from approvals import policy as approval_policy
from approvals import services as approval_services
from approvals.flows import ApprovalFlow
from approvals.models import RequestStatus
from ledger import services as ledger_services
from ledger.models import HourRecord
from ledger.task_views import RecognitionStartView
from org import selectors as org_selectors
from workflow.mixins import ScopedFlowMixin
from workflow.runtime import fresh_artifact

"""Flows after the class: makeup training, hour recognition, circulars."""


def _can_request_recognition(user):
    return org_selectors.units_in_reach(user, "act_as_liaison").exists()


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
        request = approval_services.request_create(
            actor=activation.process.task_set.order_by("id").first().owner,
            kind="recognition",
            subject=record,
            title=f"{cadre.name}：学时认定 {record.hours}学时",
            reason=record.note,
            chain=approval_policy.chain_for_cadre(cadre),
            context={
                "request_kind": "学时认定",
                "cadre_name": cadre.name,
                "unit_name": cadre.unit.name,
            },
        )
        ApprovalFlow.start.run(request=request, _parent_task=activation.task)

    def receive_decision(self, activation, request):
        ledger_services.recognition_decided(
            record=fresh_artifact(activation.process),
            approved=request.status == RequestStatus.APPROVED,
        )

    artifact_model = HourRecord
    scope_attr = "cadre.unit"
    artifact_related = ("cadre__unit",)
