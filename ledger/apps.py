from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Hours and indicators")

    def ready(self):
        from approvals.signals import decision_made
        from ledger.flows import RecognitionFlow
        from ledger.receivers import on_decision_made
        from workflow.registry import register_flow

        decision_made.connect(on_decision_made, dispatch_uid="ledger.on_decision_made")
        register_flow(RecognitionFlow, icon="verified", order=70)
