from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from . import services
from .models import Decision
from .policy import HEAD_STAGE, ORG_STAGE
from .views import DecisionView
from .workflow import ScopedFlowMixin


def _step_scope(stage, index):
    def scope(process):
        return services.current_steps(process.artifact, stage)[index].scope

    return scope


def _step_permission(stage, index):
    def permission(activation):
        return services.current_steps(activation.process.artifact, stage)[index].permission

    return permission


class ApprovalFlow(ScopedFlowMixin, flow.Flow):
    """Approval of a request not to attend (leave, deferral, exemption).

    The department head decides first; then the managing organization department, and
    for a dual-managed cadre the co-managing one in parallel. Any rejection rejects; an
    approver may send the request back one step with a reason.
    """

    process_title = _("Approval")
    process_summary_template = "{{ process.artifact.title }}"

    start = flow.StartHandle(this.start_process).Next(this.head_review)

    head_review = (
        flow.View(DecisionView.as_view())
        .Annotation(title=_("Department head decides"))
        .Permission(_step_permission(HEAD_STAGE, 0), obj=_step_scope(HEAD_STAGE, 0))
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
        .Next(this.managing_review)
        .Next(this.co_managing_review, case=this.is_dual_managed)
    )

    managing_review = (
        flow.View(DecisionView.as_view())
        .Annotation(title=_("Managing organization department decides"))
        .Permission(_step_permission(ORG_STAGE, 0), obj=_step_scope(ORG_STAGE, 0))
        .Next(this.org_join)
    )

    co_managing_review = (
        flow.View(DecisionView.as_view())
        .Annotation(title=_("Co-managing organization department decides"))
        .Permission(_step_permission(ORG_STAGE, 1), obj=_step_scope(ORG_STAGE, 1))
        .Next(this.org_join)
    )

    org_join = flow.Join().Next(this.org_decided)

    org_decided = (
        flow.If(this.org_sent_back)
        .Annotation(title=_("Sent back to the department head?"))
        .Then(this.restart_round)
        .Else(this.settle)
    )

    restart_round = flow.Function(this.start_new_round).Next(this.head_review)

    settle = flow.Function(this.settle_request).Next(this.end)

    end = flow.End()

    # node bodies: one call into a service each

    def start_process(self, activation, request):
        activation.process.artifact = request

    def head_approved(self, activation):
        return services.stage_outcome(activation.process.artifact, HEAD_STAGE) == Decision.APPROVED

    def is_dual_managed(self, activation):
        return len(services.current_steps(activation.process.artifact, ORG_STAGE)) > 1

    def org_sent_back(self, activation):
        return services.stage_outcome(activation.process.artifact, ORG_STAGE) == Decision.SENT_BACK

    def start_new_round(self, activation):
        services.round_restart(request=activation.process.artifact)

    def settle_request(self, activation):
        services.request_settle(request=activation.process.artifact)

    def visible_artifacts(self, user):
        return services.requests_visible_to(user)

    def scope_of(self, process):
        request = process.artifact
        return services.current_steps(request, HEAD_STAGE)[0].scope if request else None
