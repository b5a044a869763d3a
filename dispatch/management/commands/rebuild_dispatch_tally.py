"""Count the running tallies of the dispatches (DispatchTally) again from the dispatches."""

from django.core.management.base import BaseCommand

from dispatch import tally


class Command(BaseCommand):
    help = "Count the dispatch tallies (unit × class × status) again from the dispatches."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare the tallies with the dispatches; exit 1 if they differ.",
        )

    def handle(self, *args, database, check, **options):
        if check:
            differing = tally.differences(database)
            self.stdout.write(f"{len(differing)} tallies differ from the dispatches")
            if differing:
                raise SystemExit(1)
            return
        self.stdout.write(f"{tally.rebuild(database)} tallies counted from the dispatches")
