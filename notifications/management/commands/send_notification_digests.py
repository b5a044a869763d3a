from django.core.management.base import BaseCommand

from notifications import outbox


class Command(BaseCommand):
    help = "Send each user who chose a daily digest one e-mail listing their notifications."

    def handle(self, *args, **options):
        self.stdout.write(f"digests sent: {outbox.send_digests()}")
