from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Training dispatch")

    def ready(self):
        from approvals.panels import register_request_panel
        from approvals.signals import decision_made
        from dispatch import flows
        from dispatch.catalog import CatalogApplication
        from dispatch.receivers import on_decision_made, on_notice_acknowledged
        from dispatch.reminder_sweep import reminder_candidates
        from dispatch.selectors import dispatch_documents
        from notifications.reach import register_document_reach
        from notifications.reminders import register_reminder_source
        from notifications.signals import acknowledged
        from workflow.registry import register_application, register_flow

        decision_made.connect(on_decision_made, dispatch_uid="dispatch.on_decision_made")
        acknowledged.connect(on_notice_acknowledged, dispatch_uid="dispatch.on_notice_acknowledged")
        register_reminder_source(reminder_candidates)
        register_document_reach(dispatch_documents)
        # A notice's 签收 is refused (and not offered) once its dispatch no longer awaits it.
        from dispatch.acknowledgement import closed_notices
        from notifications.acknowledgement import register_acknowledgement_check

        register_acknowledgement_check(closed_notices)
        from dispatch.approval_panel import cadre_panel

        register_request_panel("dispatch/_approval_cadre.html", cadre_panel)
        register_application(CatalogApplication())
        register_flow(flows.RollCallFlow, icon="campaign", order=10)
        register_flow(flows.NominationFlow, icon="how_to_reg", order=20)
        register_flow(flows.DispatchFlow, icon="assignment_ind", order=30)
        register_flow(flows.FilingFlow, icon="inventory", order=50)
        register_flow(flows.MakeupFlow, icon="replay", order=60)
        # The import kinds of institutions and classes.
        from dispatch.imports import register_kinds
        from imports.kinds import registry

        register_kinds(registry)
        # A recognition request for the hours of a class's or a filing's day is refused.
        from dispatch.hour_days import class_keys_covering, filing_keys_covering
        from ledger.models import HourSource
        from ledger.recognition import register_training_days

        register_training_days(HourSource.CLASS, class_keys_covering)
        register_training_days(HourSource.FILING, filing_keys_covering)
