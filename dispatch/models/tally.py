"""Running counts of the dispatches per unit, class and status (`dispatch.tally`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.models.dispatch import DispatchStatus


class DispatchTally(models.Model):
    """Counts of dispatches by (unit, class, status), with how many of them asked for
    leave, were notified (an acknowledgement is due) and acknowledged: what the
    circular's figures add up, read from a few rows per unit and class instead of every
    dispatch of the period.

    Written by database triggers on the dispatch table (migration 0006): every INSERT
    and UPDATE — and on PostgreSQL every DELETE — appends the change as rows of +/−
    counts, whatever wrote it (a service, a flow, a bulk roll call, a queryset update, raw
    SQL), in the same transaction. A key may therefore hold several rows; their sum is
    the count. `dispatch.tally.compact` merges them, `rebuild` counts them again from the
    dispatches (`manage.py rebuild_dispatch_tally`)."""

    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("unit"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    training_class = models.ForeignKey(
        "dispatch.TrainingClass",
        verbose_name=_("training class"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=DispatchStatus.choices)
    dispatches = models.IntegerField(_("dispatches"))
    leave_requests = models.IntegerField(_("asked for leave"))
    notified = models.IntegerField(_("notified"))
    acknowledged = models.IntegerField(_("acknowledged"))

    class Meta:
        db_table = "dispatch_tally"
        verbose_name = _("dispatch tally")
        verbose_name_plural = _("dispatch tallies")
        indexes = [
            models.Index(fields=["training_class", "unit", "status"], name="dispatch_tally_key_idx")
        ]

    def __str__(self):
        return f"{self.unit_id}/{self.training_class_id}/{self.status}: {self.dispatches}"
