"""Produce the documents of approved circulars whose rendering failed or was lost (a
worker stopped): `manage.py issue_circulars` issues each one still waiting."""

from django.core.management.base import BaseCommand

from circulars.documents import issue_approved
from circulars.models import Circular, CircularStatus


class Command(BaseCommand):
    help = "Issue the approved circulars whose document has not been produced yet."

    def handle(self, *args, **options):
        waiting = list(
            Circular.objects.filter(status=CircularStatus.ISSUING).values_list("pk", flat=True)
        )
        for pk in waiting:
            try:
                document_id = issue_approved(pk)
            except Exception as exc:  # noqa: BLE001 - reported, the next one still runs
                self.stderr.write(f"circular {pk}: {exc}")
            else:
                self.stdout.write(f"circular {pk}: document {document_id}")
