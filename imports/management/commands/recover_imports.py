"""`manage.py recover_imports`: batches a dead worker left "being checked" or "being
committed" (`imports.recovery`) — their checks run again, their commits back on the
preview. The beat entry `import-recovery` does the same every ten minutes."""

from django.core.management.base import BaseCommand

from imports import engine, recovery
from imports.models import ImportBatch


class Command(BaseCommand):
    help = "Check again, or send back to the preview, imports a dead worker left stuck."

    def handle(self, *args, **options):
        recovered = recovery.recover_stalled()
        for batch in ImportBatch.objects.filter(pk__in=recovered["checks"]).select_related(
            "uploaded_by"
        ):
            engine.batch_check(batch)
        self.stdout.write(
            f"checked again: {len(recovered['checks'])}; "
            f"commits sent back to the preview: {len(recovered['commits'])}"
        )
