from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organization")

    def ready(self):
        # The import kinds of units, organization departments, cadres and accounts.
        from imports.kinds import registry
        from org.imports import register_kinds
        from org.imports_accounts import register_kinds as register_account_kinds

        register_kinds(registry)
        register_account_kinds(registry)
