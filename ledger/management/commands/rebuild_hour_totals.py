"""Count the running totals of hours (HourTotal) again from the ledger's records."""

from django.core.management.base import BaseCommand

from ledger import totals


class Command(BaseCommand):
    help = "Count the running totals of hours (cadre × kind × year) again from the ledger."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare the stored totals with the ledger; exit 1 if they differ.",
        )

    def handle(self, *args, database, check, **options):
        if check:
            counted = totals.ledger_sums(database)
            differing = totals.differences(database)
            self.stdout.write(f"{len(counted)} totals in the ledger, {len(differing)} differ")
            if differing:
                raise SystemExit(1)
            return
        count = totals.rebuild(database)
        self.stdout.write(f"{count} hour totals counted from the ledger")
