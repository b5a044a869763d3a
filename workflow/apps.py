from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")

    def ready(self):
        from org.signals import delegation_revoked, permissions_lost
        from workflow.receivers import on_delegation_revoked, on_permissions_lost

        # A revoked delegation gives the deputy's claimed tasks back to the queue.
        delegation_revoked.connect(
            on_delegation_revoked, dispatch_uid="workflow.on_delegation_revoked"
        )
        # A role taken away, an account deactivated: the same for the tasks they claimed.
        permissions_lost.connect(on_permissions_lost, dispatch_uid="workflow.on_permissions_lost")
        # Claiming a task and giving it back are audited.
        from workflow import claim_audit

        claim_audit.connect()
