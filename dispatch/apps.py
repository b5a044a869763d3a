from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Training dispatch")

    def ready(self):
        from approvals.signals import decision_made

        from .flows import on_decision_made

        decision_made.connect(on_decision_made, dispatch_uid="dispatch.on_decision_made")
