from django.core.management.base import BaseCommand

from feedback.flows import start_due_follow_ups
from feedback.services import evaluations_invite


class Command(BaseCommand):
    help = (
        "Open the post-training follow-ups whose day has come (some months after the class, "
        "per organization department), each with its task for the head of the trainee's "
        "unit; and ask the trainees of classes that ended for their evaluation. Celery beat "
        "runs it daily (feedback.start_follow_ups)."
    )

    def handle(self, *args, **options):
        opened = start_due_follow_ups()
        invited = evaluations_invite()
        if options["verbosity"]:
            self.stdout.write(f"{opened} follow-up(s) opened, {invited} evaluation(s) asked for")
