from django.core.management.base import BaseCommand

from dispatch.services import makeup as makeup_services


class Command(BaseCommand):
    help = (
        "Escalate every makeup past its due date and not attended (owed or scheduled) that "
        "is not escalated yet: the dispatchers and the unit are told, and the next circular "
        "names it. The makeup flow's own timers do this when `workflow_timers` runs; this "
        "sweep also covers makeups whose flow was started before those timers existed. "
        "Idempotent: run it daily."
    )

    def handle(self, *args, **options):
        escalated = 0
        for makeup in makeup_services.overdue_unescalated_makeups():
            makeup_services.makeup_escalate(makeup=makeup)
            escalated += 1
        if options["verbosity"] >= 1:
            self.stdout.write(f"{escalated} makeup(s) escalated.")
