from django.core.management.base import BaseCommand

from dispatch import documents


class Command(BaseCommand):
    help = (
        "Announce roll-call dispatches committed over a minute ago whose dispatch notice and "
        "notifications were never issued (broker down, worker crash, render error). "
        "Idempotent; run it every minute from cron, or let Celery beat run "
        "dispatch.announce_pending."
    )

    def handle(self, *args, **options):
        counts = documents.announce_pending()
        self.stdout.write(f"notices issued: {counts['issued']}, batches failed: {counts['failed']}")
