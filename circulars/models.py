"""Circulars (通报): one per organization department and period, with the figures counted
for it and the text its drafter wrote; issued as a numbered document."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from org.models import OrgDepartment


class CircularPeriod(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")
    CUSTOM = "custom", _("Custom period")


class CircularStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    RETURNED = "returned", _("Returned")
    ISSUING = "issuing", _("Approved, the document is being produced")
    ISSUED = "issued", _("Issued")


class Circular(models.Model):
    """A periodic circular (定期通报训调情况) of an organization department."""

    org_department = models.ForeignKey(
        OrgDepartment,
        verbose_name=_("organization department"),
        on_delete=models.PROTECT,
        related_name="circulars",
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=CircularPeriod.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CircularStatus.choices,
        default=CircularStatus.DRAFT,
        db_index=True,
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    document_id = models.PositiveBigIntegerField(_("document"), null=True, blank=True)
    issue_error = models.TextField(_("why the document could not be produced"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("circular")
        verbose_name_plural = _("circulars")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="circular_period_ordered"
            ),
        ]

    def __str__(self):
        return self.title
