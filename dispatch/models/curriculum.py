"""A class's curriculum: its sessions, and the teaching indicators they are measured
against (kept as data, versioned like the hour rules)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.versioning import VersionedRule
from dispatch.models.classes import TrainingClass


class SessionContent(models.TextChoices):
    THEORY = "theory", _("Theory")
    PARTY_SPIRIT = "party_spirit", _("Party spirit")
    PROFESSIONAL = "professional", _("Professional")
    CASE_TEACHING = "case_teaching", _("Case teaching")
    INTERACTIVE = "interactive", _("Interactive / field study")


class SessionMethod(models.TextChoices):
    """How a session is taught. Case teaching and interactive teaching are methods as
    much as contents: a party-spirit session taught through cases counts for both."""

    LECTURE = "lecture", _("Lecture")
    CASE_TEACHING = "case_teaching", _("Case teaching")
    INTERACTIVE = "interactive", _("Interactive / field study")


class SessionFields(models.Model):
    """What a session is — its day, hours, teacher and content — whether held in a class
    (`ClassSession`) or planned in a plan line (`planning.PlanSession`, copied to the
    class at publication)."""

    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    teacher = models.CharField(_("teacher"), max_length=100)
    by_leading_cadre = models.BooleanField(_("taught by a leading cadre"), default=False)
    content = models.CharField(_("content"), max_length=16, choices=SessionContent.choices)
    method = models.CharField(
        _("teaching method"),
        max_length=16,
        choices=SessionMethod.choices,
        default=SessionMethod.LECTURE,
    )

    class Meta:
        abstract = True

    def __str__(self):
        return self.title


class ClassSession(SessionFields):
    """One session of a class's curriculum (课程): its hours, teacher and content."""

    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("training class"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )

    class Meta:
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        ordering = ["training_class", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="session_hours_positive"),
        ]


class TeachingMeasure(models.TextChoices):
    """What a teaching indicator measures, as a share of the class's hours."""

    THEORY_AND_PARTY_SPIRIT = "theory_party_spirit", _("Theory and party spirit")
    PARTY_SPIRIT = "party_spirit", _("Party spirit")
    CASE_TEACHING = "case_teaching", _("Case teaching")
    INTERACTIVE = "interactive", _("Interactive / field study")
    LEADING_CADRES = "leading_cadres", _("Taught by leading cadres")


class TeachingIndicatorRule(VersionedRule):
    """One teaching indicator (e.g. party spirit ≥ 20 % of a class's hours), as data.

    Versioned, never edited in place: a revision is a new row superseding the old one
    from its effective date; for one measure, effective periods never overlap."""

    version_key = ("measure",)
    overlap_message = _("Another rule for this measure is in force in the same period.")

    measure = models.CharField(_("measure"), max_length=24, choices=TeachingMeasure.choices)
    min_percent = models.DecimalField(_("minimum share (%)"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("teaching indicator rule")
        verbose_name_plural = _("teaching indicator rules")
        ordering = ["measure", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "version"], name="teaching_rule_version_once"
            ),
            models.CheckConstraint(
                condition=Q(min_percent__gte=0) & Q(min_percent__lte=100),
                name="teaching_rule_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="teaching_rule_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.get_measure_display()} ≥ {self.min_percent}% v{self.version}"
