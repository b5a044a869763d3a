"""Reading imports: a batch is its uploader's (and a superuser's) only."""

from imports.kinds import Action
from imports.models import ImportBatch, ImportRow

#: rows on one page of a preview
PREVIEW_PAGE_SIZE = 100


def batches_of(user):
    """The batches `user` uploaded, newest first."""
    return ImportBatch.objects.filter(uploaded_by=user).order_by("-created_at", "-id")


def batch_of(user, pk: int) -> ImportBatch | None:
    """The batch `pk` if `user` may see it (its uploader, or a superuser), else None."""
    batches = ImportBatch.objects.all() if user.is_superuser else batches_of(user)
    return batches.filter(pk=pk).first()


def batch_rows(batch: ImportBatch, *, errors_only: bool = False):
    """The batch's rows in line order (only those with errors, if asked)."""
    rows = ImportRow.objects.filter(batch=batch)
    if errors_only:
        rows = rows.filter(action=Action.ERROR)
    return rows.only("line", "key", "action", "raw", "errors").order_by("line")


def batch_counts(batch: ImportBatch) -> dict:
    """The preview's counts, from the batch itself (no query)."""
    return {
        "rows": batch.rows_total,
        "create": batch.rows_create,
        "update": batch.rows_update,
        "unchanged": batch.rows_unchanged,
        "errors": batch.rows_error,
    }
