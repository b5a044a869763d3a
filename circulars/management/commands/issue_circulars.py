"""Produce the documents of approved circulars whose rendering failed or was lost (a
worker or the server stopped): `manage.py issue_circulars` issues each one still
waiting now; with `--older-than N`, only those approved (or last tried) at least N
minutes ago, leaving a rendering that may still be under way to its own task — what
`issue_waiting_circulars` does on a schedule."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db.models import CharField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from audit.models import AuditEvent
from circulars.documents import issue_approved
from circulars.models import Circular, CircularStatus
from core.validation import count_argument

# The events after which a circular waits for its document: the approval, and each
# failed attempt (so a failing rendering is tried again once per period, not each run).
WAITING_SINCE_VERBS = ("circular.approve", "circular.issue_failed")


def waiting_circulars(older_than: dt.timedelta | None = None) -> list[int]:
    """The approved circulars still without their document, oldest first; with
    `older_than`, only those whose approval or last failed attempt is at least that old
    (one with neither on record has waited since before anyone knows: it is included)."""
    waiting = Circular.objects.filter(status=CircularStatus.ISSUING)
    if older_than is not None:
        since = (
            AuditEvent.objects.filter(
                target_type=ContentType.objects.get_for_model(Circular),
                target_id=Cast(OuterRef("pk"), output_field=CharField()),
                verb__in=WAITING_SINCE_VERBS,
            )
            .order_by("-created_at", "-pk")
            .values("created_at")[:1]
        )
        waiting = waiting.annotate(since=Subquery(since)).filter(
            Q(since__isnull=True) | Q(since__lte=timezone.now() - older_than)
        )
    return list(waiting.order_by("pk").values_list("pk", flat=True))


class Command(BaseCommand):
    help = "Issue the approved circulars whose document has not been produced yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=count_argument(maximum=10 * 366 * 24 * 60),  # ten years of minutes
            default=None,
            metavar="MINUTES",
            help="Only circulars approved (or last tried) at least this many minutes ago.",
        )

    def handle(self, *args, **options):
        minutes = options["older_than"]
        older_than = dt.timedelta(minutes=minutes) if minutes is not None else None
        for pk in waiting_circulars(older_than):
            try:
                document_id = issue_approved(pk)
            except Exception as exc:  # noqa: BLE001 - reported, the next one still runs
                self.stderr.write(f"circular {pk}: {exc}")
            else:
                if options["verbosity"]:
                    self.stdout.write(f"circular {pk}: document {document_id}")
