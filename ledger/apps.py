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
        # Nobody approves a recognition of hours the ledger came to hold meanwhile.
        from approvals.policy import register_approval_check
        from ledger.models import HourRecord
        from ledger.services import recognition_refusal

        register_approval_check(HourRecord, recognition_refusal)
        # The stored compliance standings follow the hours and the cadres.
        from ledger import standings
        from ledger.models import totals_moved
        from org.signals import cadres_changed

        totals_moved.connect(standings.hours_counted, dispatch_uid="ledger.standings.hours")
        cadres_changed.connect(standings.cadres_changed, dispatch_uid="ledger.standings.cadres")
        register_flow(RecognitionFlow, icon="verified", order=70)
