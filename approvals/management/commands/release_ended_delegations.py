from django.core.management.base import BaseCommand

from workflow import claims


class Command(BaseCommand):
    help = (
        "Give back to the queue every task claimed by a deputy whose delegation has ended "
        "(or was revoked) and who may no longer do it — an approval step, a nomination's "
        "or survey answer's head approval, any step asking for the delegated permission: "
        "it is unassigned, with a task.release audit event. Idempotent: run it daily, just "
        "after midnight."
    )

    def handle(self, *args, **options):
        released = claims.release_ended_delegations()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{released} task(s) released.")
