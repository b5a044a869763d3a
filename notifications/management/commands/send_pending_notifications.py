from django.core.management.base import BaseCommand

from core.validation import count_argument
from notifications import outbox


class Command(BaseCommand):
    help = "Deliver pending notification e-mails and SMS that are due (cron or Celery beat)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=count_argument(), default=1000)

    def handle(self, *args, limit, **options):
        counts = outbox.sweep(limit=limit)
        self.stdout.write(
            ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due"
        )
