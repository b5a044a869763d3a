from django.core.management.base import BaseCommand

from approvals import services


class Command(BaseCommand):
    help = (
        "Give back to the queue every approval task claimed by a deputy whose delegation "
        "has ended (or was revoked) and who may no longer decide it: it is unassigned, "
        "with a task.release audit event. Idempotent: run it daily, just after midnight."
    )

    def handle(self, *args, **options):
        released = services.ended_delegation_claims_release()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{released} task(s) released.")
