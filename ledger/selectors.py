"""Reads of the ledger's pages: an hour import and its rows, a page at a time; the hours
ledger of the cadres in reach."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When

from ledger.models import COUNTED_STATUS, HourImport, HourImportRow

PREVIEW_PAGE_SIZE = 100
#: the hours ledger's order: newest first (its page, its download, a page's rows by id)
LEDGER_ORDER = ("-date", "-pk")


def hour_import_of(user, pk: int | None) -> HourImport | None:
    """An import the user uploaded (nobody else sees it), or None."""
    if pk is None:
        return None
    return HourImport.objects.filter(pk=pk, uploaded_by=user).first()


def hour_import_counts(hour_import: HourImport) -> dict[str, int]:
    """How many rows an import has, and how many of them have errors, in one query."""
    return hour_import.lines.aggregate(rows=Count("pk"), errors=Count("pk", filter=~Q(errors="")))


def hour_import_rows(hour_import: HourImport, *, errors_only: bool = False) -> QuerySet:
    """The rows of an import for its preview: those with errors first, then by line."""
    rows = HourImportRow.objects.filter(hour_import=hour_import)
    if errors_only:
        return rows.exclude(errors="").order_by("line")
    fine = Case(When(errors="", then=Value(1)), default=Value(0), output_field=IntegerField())
    return rows.annotate(fine=fine).order_by("fine", "line")


def hour_record_list(user) -> QuerySet:
    """Hour records of cadres in reach (as their training record shows them)."""
    from ledger.models import HourRecord
    from org.selectors import cadres_in_reach

    return HourRecord.objects.filter(cadre__in=cadres_in_reach(user)).select_related("cadre__unit")


def hour_ledger(
    user,
    *,
    search: str = "",
    unit=None,
    kind: str = "",
    source: str = "",
    status: str = "",
    since=None,
    until=None,
) -> QuerySet:
    """The hours ledger page and its download: hour records of cadres in reach
    (`hour_record_list`, as the API lists them), of cadres whose name holds `search`, in
    `unit` or below, of a kind, source and status, dated `since`–`until`; newest first."""
    records = hour_record_list(user)
    if search:
        records = records.filter(cadre__name__contains=search)
    if unit is not None:
        records = records.filter(cadre__unit__path__startswith=unit.path)
    for field, value in (("kind", kind), ("source", source), ("status", status)):
        if value:
            records = records.filter(**{field: value})
    if since:
        records = records.filter(date__gte=since)
    if until:
        records = records.filter(date__lte=until)
    return records.order_by(*LEDGER_ORDER)


def hour_records_by_ids(ids) -> QuerySet:
    """The hour records `ids` (a page of the ledger: `core.paging.rows_by_ids`) as the
    page shows them, in the ledger's order."""
    from ledger.models import HourRecord

    return (
        HourRecord.objects.filter(pk__in=ids).select_related("cadre__unit").order_by(*LEDGER_ORDER)
    )


def hour_ledger_totals(records: QuerySet) -> dict:
    """How many records the filtered ledger holds and the hours of those recognized, in
    one query (the pager takes its count from it)."""
    return records.order_by().aggregate(
        rows=Count("pk"), hours=Sum("hours", filter=Q(status=COUNTED_STATUS))
    )
