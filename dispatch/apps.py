from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Training dispatch")

    def ready(self):
        from approvals.signals import decision_made
        from notifications.reminders import register_reminder_source
        from notifications.signals import acknowledged

        from .flows import on_decision_made, on_notice_acknowledged
        from .notices import reminder_candidates

        decision_made.connect(on_decision_made, dispatch_uid="dispatch.on_decision_made")
        acknowledged.connect(on_notice_acknowledged, dispatch_uid="dispatch.on_notice_acknowledged")
        register_reminder_source(reminder_candidates)
