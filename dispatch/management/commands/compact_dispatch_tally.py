"""Merge the dispatch tallies' change rows, one row per unit, class and status."""

from django.core.management.base import BaseCommand

from dispatch import tally


class Command(BaseCommand):
    help = "Merge the dispatch tallies' change rows (one per unit, class and status)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, **options):
        self.stdout.write(f"{tally.compact(database)} tally rows merged")
