from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CircularsConfig(AppConfig):
    name = "circulars"
    verbose_name = _("Circulars")

    def ready(self):
        from circulars.flows import CircularFlow
        from circulars.selectors import circular_documents
        from notifications.reach import register_document_reach
        from workflow.registry import register_flow

        register_document_reach(circular_documents)
        register_flow(CircularFlow, icon="campaign", order=80)
