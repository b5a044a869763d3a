"""Needs surveys (需求调研): a survey an organization department opens for a year, its
questions (data, of three kinds), one answer per unit and the answer's lines."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.models import CadreCategory, OrgDepartment, Unit


class QuestionKind(models.TextChoices):
    TOPICS = "topics", _("Topics wanted")
    CADRES = "cadres", _("Cadres needing training per category")
    MONTHS = "months", _("Preferred months")


class SurveyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Deadline passed")


class AnswerStatus(models.TextChoices):
    AWAITING_ANSWER = "awaiting_answer", _("Awaiting the answer")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the head's approval")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


#: the statuses in which the unit's liaison (still) has to answer
TO_ANSWER = (AnswerStatus.AWAITING_ANSWER, AnswerStatus.RETURNED)


class Survey(models.Model):
    """A needs survey of an organization department for a training year: one a year."""

    org_department = models.ForeignKey(
        OrgDepartment,
        verbose_name=_("organization department"),
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SurveyStatus.choices,
        default=SurveyStatus.OPEN,
        db_index=True,
    )
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
        verbose_name = _("needs survey")
        verbose_name_plural = _("needs surveys")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="survey_year_plausible"
            ),
            # One a year per department (`policy.survey_twin_refusal`), even for two
            # dispatchers opening it at once.
            models.UniqueConstraint(fields=["org_department", "year"], name="survey_once_a_year"),
        ]

    def __str__(self):
        return self.title

    @property
    def due_at(self):
        return self.deadline


class SurveyQuestion(models.Model):
    """One question of a survey. `options` holds the topics offered (kind topics)."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=200)
    options = models.JSONField(_("options"), default=list, blank=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_position"),
            models.UniqueConstraint(fields=["survey", "kind"], name="survey_question_kind_once"),
        ]

    def __str__(self):
        return self.text


class SurveyAnswer(models.Model):
    """A unit's answer to a survey: one per survey and unit, answered by the unit's
    liaison and approved (or returned) by its department head."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="answers"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="survey_answers"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AnswerStatus.choices,
        default=AnswerStatus.AWAITING_ANSWER,
        db_index=True,
    )
    escalated = models.BooleanField(_("escalated"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["survey", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "unit"], name="survey_answer_once_per_unit"),
        ]

    def __str__(self):
        return f"{self.survey.title} · {self.unit.name}"

    @property
    def due_at(self):
        return self.survey.deadline


class AnswerLine(models.Model):
    """One figure of an answer: a topic wanted (offered, or added by the unit), the
    cadres of a category needing training, or a preferred month. A resubmitted answer
    supersedes its earlier lines (kept, not deleted)."""

    answer = models.ForeignKey(
        SurveyAnswer, verbose_name=_("answer"), on_delete=models.PROTECT, related_name="lines"
    )
    question = models.ForeignKey(
        SurveyQuestion, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    added_by_unit = models.BooleanField(_("added by the unit"), default=False)
    category = models.CharField(
        _("category"), max_length=32, choices=CadreCategory.choices, blank=True
    )
    cadres = models.PositiveIntegerField(_("cadres"), default=0)
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    superseded = models.BooleanField(_("superseded"), default=False, db_index=True)

    class Meta:
        verbose_name = _("answer line")
        verbose_name_plural = _("answer lines")
        ordering = ["answer", "question", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__isnull=True) | (Q(month__gte=1) & Q(month__lte=12)),
                name="answer_line_month_range",
            ),
        ]

    def __str__(self):
        return self.topic or self.category or str(self.month or "")
