from django.core.management.base import BaseCommand

from notifications import reminders


class Command(BaseCommand):
    help = "Notify the reminders due before deadlines (from the registered reminder sources)."

    def handle(self, *args, **options):
        self.stdout.write(f"reminders written: {reminders.send_reminders()}")
