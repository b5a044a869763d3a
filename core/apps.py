from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Shared helpers: masking, formatting, widgets, static files")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core.session_stamp import stamp_at_login

        user_logged_in.connect(stamp_at_login, dispatch_uid="core.stamp_at_login")
