"""Reads of the ledger's pages: an hour import and its rows, a page at a time."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from ledger.models import HourImport, HourImportRow

PREVIEW_PAGE_SIZE = 100


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
