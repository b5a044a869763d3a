"""Django's `flush`, the only command allowed to erase the audit trail.

It lifts the database's erase guard (audit.erasure) for its own connection while it runs;
Django's transactional test cases empty the database through it. On PostgreSQL the
application role (`create_app_role`) still lacks TRUNCATE on the audit table, so only the
owner can flush.
"""

from django.core.management.commands import flush

from audit.erasure import erasure_permitted


class Command(flush.Command):
    help = flush.Command.help + " Audit events are erased too (the only way to erase them)."

    def handle(self, **options):
        with erasure_permitted(options["database"]):
            return super().handle(**options)
