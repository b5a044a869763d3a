"""Reading imports: a batch is its uploader's (and a superuser's) only."""

from core.masking import mask_id_number
from imports.kinds import Action
from imports.models import BatchStatus, ImportBatch, ImportRow

#: rows on one page of a preview
PREVIEW_PAGE_SIZE = 100


def batches_of(user, kinds=None):
    """The batches `user` uploaded, newest first; only of `kinds` (slugs) when given."""
    batches = ImportBatch.objects.filter(uploaded_by=user)
    if kinds is not None:
        batches = batches.filter(kind__in=list(kinds))
    return batches.order_by("-created_at", "-id")


def batch_of(user, pk: int) -> ImportBatch | None:
    """The batch `pk` if `user` may see it (its uploader, or a superuser), else None."""
    batches = ImportBatch.objects.all() if user.is_superuser else batches_of(user)
    return batches.filter(pk=pk).first()


def batch_rows(batch: ImportBatch, *, errors_only: bool = False):
    """The batch's rows in line order (only those with errors, if asked)."""
    rows = ImportRow.objects.filter(batch=batch)
    if errors_only:
        rows = rows.filter(action=Action.ERROR)
    return rows.only("line", "key", "action", "raw", "errors", "changes").order_by("line")


def preview_cells(kind, row: ImportRow) -> list[str]:
    """The row's cells as the preview shows them, in the kind's column order: ID numbers
    masked, as on every page (the key column and the errors are masked already)."""
    return [
        mask_id_number(value) if column.masked and value else value
        for column in kind.columns
        for value in (row.raw.get(column.key, ""),)
    ]


def nothing_to_commit(batch: ImportBatch, counts: dict) -> bool:
    """A checked file without errors whose every row is as the system has it already."""
    return (
        batch.status == BatchStatus.PREVIEWED
        and counts["rows"] > 0
        and counts["rows"] == counts["unchanged"]
    )


def may_commit(batch: ImportBatch, counts: dict) -> bool:
    """The preview offers the commit: checked, no row with an error, something to write."""
    return (
        batch.status == BatchStatus.PREVIEWED
        and counts["rows"] > 0
        and not counts["errors"]
        and not nothing_to_commit(batch, counts)
    )


def batch_counts(batch: ImportBatch) -> dict:
    """The preview's counts, from the batch itself (no query)."""
    return {
        "rows": batch.rows_total,
        "create": batch.rows_create,
        "update": batch.rows_update,
        "unchanged": batch.rows_unchanged,
        "errors": batch.rows_error,
    }
