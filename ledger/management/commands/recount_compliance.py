"""Count the stored compliance standings of a day again (ledger.standings)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ledger import compliance, standings


class Command(BaseCommand):
    help = (
        "Count every cadre's compliance standing on a day (today by default) again, as the "
        "report reads them; --check only compares the stored standings with the live "
        "evaluation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="The day (YYYY-MM-DD); today by default.")
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare the stored standings with the live evaluation; exit 1 if "
            "they differ.",
        )

    def handle(self, *args, as_of, database, check, **options):
        try:
            day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of: {exc}") from exc
        refusal = compliance.day_refusal(day)
        if refusal:
            raise CommandError(f"--as-of: {refusal}")
        if check:
            differing = standings.differences(day, database)
            self.stdout.write(f"{day}: {len(differing)} differ")
            if differing:
                self.stdout.write(f"cadres: {differing[:20]}")
                raise SystemExit(1)
            return
        stored = standings.recount(day, database)
        self.stdout.write(f"{day}: {stored.cadres} standings counted")
