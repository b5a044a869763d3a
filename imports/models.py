from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded, being checked")
    PREVIEWED = "previewed", _("Checked, awaiting commit")
    COMMITTING = "committing", _("Being committed")
    COMMITTED = "committed", _("Committed")
    REFUSED = "refused", _("Refused")


class ImportBatch(models.Model):
    """One uploaded file of one kind (`imports.kinds`): checked into `ImportRow`s for the
    preview, then committed whole or not at all. The file is kept, with its SHA-256."""

    kind = models.CharField(_("kind"), max_length=32)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.UPLOADED
    )
    #: why the file as a whole was refused (unreadable, missing columns, too many rows …)
    refusal = models.TextField(_("refusal"), blank=True)
    #: why the last commit was rolled back (a row turned into an error since the preview …)
    failure = models.TextField(_("commit failure"), blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_create = models.PositiveIntegerField(_("rows to create"), default=0)
    rows_update = models.PositiveIntegerField(_("rows to update"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)
    rows_error = models.PositiveIntegerField(_("rows with errors"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="import_by_user_idx")]

    def __str__(self):
        return self.file_name


class ImportRow(models.Model):
    """One data row of an import as checked (`imports.kinds.RowOutcome`)."""

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    line = models.PositiveIntegerField(_("line"))
    key = models.CharField(_("key"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=16)
    raw = models.JSONField(_("row as read"), default=dict)
    data = models.JSONField(_("checked values"), default=dict)
    errors = models.JSONField(_("errors"), default=list)
    #: what an update changes: [label, old, new] as a person reads them
    changes = models.JSONField(_("changes"), default=list)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="import_batch_line_once")
        ]
        indexes = [models.Index(fields=["batch", "action", "line"], name="import_row_action_idx")]

    def __str__(self):
        return f"{self.batch_id}:{self.line}"
