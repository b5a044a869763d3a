from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from audit.erasure import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="audit-erase-guard")
