from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = _("Demo city")

    def ready(self):
        from demo.samples import document_sample_data
        from notifications.documents.samples import register_sample_source

        register_sample_source(document_sample_data)
