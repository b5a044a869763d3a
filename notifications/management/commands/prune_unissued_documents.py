from django.core.management.base import BaseCommand

from notifications import unissued


class Command(BaseCommand):
    help = (
        "Delete the stored PDFs that no issued document names (left by an issue that rolled "
        "back), older than a day (cron or Celery beat)."
    )

    def handle(self, *args, **options):
        pruned = unissued.prune_unissued()
        for name in pruned:
            self.stdout.write(name)
        self.stdout.write(f"{len(pruned)} deleted")
