"""The stored compliance standing of every cadre on a day (`ledger.standings` keeps it):
what the compliance report orders and pages by, read through one index instead of
evaluating every cadre in reach for each page."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Cadre

#: `ComplianceStanding.severity` of a cadre no rule applies to (not in the report); the
#: statuses are 0 (short) … 3 (met), `ledger.compliance.SEVERITY`.
NO_RULES = 4


class ComplianceDay(models.Model):
    """A day whose standings are stored: counted when, under which rules (a fingerprint
    of the rules in force that day, `ledger.standings.fingerprint`; other rules make the
    day stale), and how many cadres it held then."""

    as_of = models.DateField(_("as of"), unique=True)
    rules = models.CharField(_("rules fingerprint"), max_length=64)
    counted_at = models.DateTimeField(_("counted at"))
    cadres = models.PositiveIntegerField(_("cadres"), default=0)

    class Meta:
        verbose_name = _("compliance day")
        verbose_name_plural = _("compliance days")
        ordering = ["-as_of"]

    def __str__(self):
        return self.as_of.isoformat()


class ComplianceStanding(models.Model):
    """A cadre's overall status on `as_of` as the report orders it: `severity` (0 short
    … 3 met, NO_RULES when no rule applies), `shortfall` (the largest share of a rule's
    requirement not yet done) and a copy of the name (the order's tie-break), kept in
    the same transaction as every write that changes them (`ledger.standings`)."""

    as_of = models.DateField(_("as of"))
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("full name"), max_length=64)
    severity = models.PositiveSmallIntegerField(_("severity"))
    shortfall = models.FloatField(_("shortfall"))

    class Meta:
        verbose_name = _("compliance standing")
        verbose_name_plural = _("compliance standings")
        constraints = [
            models.UniqueConstraint(fields=["as_of", "cadre"], name="standing_once_a_day")
        ]
        indexes = [
            # The report's order: a page is a range of this index.
            models.Index(
                fields=["as_of", "severity", "-shortfall", "name", "cadre"],
                name="standing_report_order_idx",
            )
        ]

    def __str__(self):
        return f"{self.as_of} {self.cadre_id}: {self.severity}"
