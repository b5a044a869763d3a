from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")

    def ready(self):
        from org.signals import delegation_revoked
        from workflow.receivers import on_delegation_revoked

        # A revoked delegation gives the deputy's claimed tasks back to the queue.
        delegation_revoked.connect(
            on_delegation_revoked, dispatch_uid="workflow.on_delegation_revoked"
        )
