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
        # An attendance corrected after a circular counted it: its dispatchers hear.
        from circulars.receivers import on_attendance_corrected
        from dispatch.models import Dispatch
        from dispatch.services.attendance_corrections import attendance_corrected

        attendance_corrected.connect(
            on_attendance_corrected, sender=Dispatch, dispatch_uid="circulars.corrected"
        )
        register_flow(CircularFlow, icon="campaign", order=80)
