from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from approvals.flows import ApprovalFlow
        from workflow.registry import register_flow

        register_flow(ApprovalFlow, icon="gavel", order=40)
