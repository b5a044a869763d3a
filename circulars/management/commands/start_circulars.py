import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from circulars.flows import start_scheduled_circular
from org.models import OrgDepartment


def last_finished_period(kind: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The most recent month, quarter or year that ended before `today`."""
    if kind == "month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if kind == "quarter":
        first_of_quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = first_of_quarter - dt.timedelta(days=1)
        return first_of_quarter - relativedelta(months=3), end
    if kind == "year":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    raise ValueError(kind)


class Command(BaseCommand):
    help = (
        "Start a circular for each organization department for the period that last ended "
        "(XUNDIAO_CIRCULAR_SCHEDULE: month, quarter or year). Idempotent: run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", choices=["month", "quarter", "year"], default=None)

    def handle(self, *args, **options):
        kind = options["period"] or settings.XUNDIAO_CIRCULAR_SCHEDULE
        start, end = last_finished_period(kind, timezone.localdate())
        started = 0
        for org_department in OrgDepartment.objects.select_related("unit", "jurisdiction"):
            if start_scheduled_circular(
                org_department=org_department, period_kind=kind, start=start, end=end
            ):
                started += 1
        self.stdout.write(f"{started} circular(s) started for {start}–{end}")
