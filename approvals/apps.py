from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from approvals.flows import ApprovalFlow
        from approvals.receivers import on_delegation_revoked
        from org.signals import delegation_revoked
        from workflow.registry import register_flow

        register_flow(ApprovalFlow, icon="gavel", order=40)
        # A revoked delegation gives the deputy's claimed steps back to the queue.
        delegation_revoked.connect(
            on_delegation_revoked, dispatch_uid="approvals.on_delegation_revoked"
        )
