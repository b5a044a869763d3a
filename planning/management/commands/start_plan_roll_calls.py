"""Daily: start the roll calls of published plan lines whose dispatch date has come."""

from django.core.management.base import BaseCommand

from planning.schedule import start_due_roll_calls


class Command(BaseCommand):
    help = "Start the roll calls of published plan lines whose dispatch date has come."

    def handle(self, *args, **options):
        started = start_due_roll_calls()
        self.stdout.write(f"{started} plan line(s) dispatched")
