"""Trainee feedback (学员评价) on a class and its sessions, and the post-training
follow-up (训后跟踪考核) by the trainee's department head.

An evaluation is stored with its trainee (so each trainee answers once per class), but
every page other than the trainee's own shows only aggregates of at least
`MIN_AGGREGATE` answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.models import ClassSession, Dispatch, TrainingClass
from org.models import Cadre, OrgDepartment, Unit

#: no aggregate of fewer answers is shown anywhere (anonymity)
MIN_AGGREGATE = 3
SCORE_MIN, SCORE_MAX = 1, 5
#: default months between the end of a class and its follow-up
DEFAULT_FOLLOW_UP_MONTHS = 3
#: days the department head has to answer an opened follow-up
FOLLOW_UP_ANSWER_DAYS = 14

_SCORE_RANGE = Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX)


class FollowUpSetting(models.Model):
    """How many months after a class ends its trainees are followed up, per organization
    department (the department that organized the class). Without a row: the default."""

    org_department = models.OneToOneField(
        OrgDepartment,
        verbose_name=_("organization department"),
        on_delete=models.PROTECT,
        related_name="follow_up_setting",
    )
    months = models.PositiveSmallIntegerField(
        _("months after the class"), default=DEFAULT_FOLLOW_UP_MONTHS
    )

    class Meta:
        verbose_name = _("follow-up setting")
        verbose_name_plural = _("follow-up settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(months__gte=1, months__lte=24),
                name="follow_up_months_range",
                violation_error_message=_("The months must lie between 1 and 24."),
            )
        ]

    def __str__(self):
        return f"{self.org_department}: {self.months}"


class EvaluationStatus(models.TextChoices):
    OPEN = "open", _("To fill in")
    SUBMITTED = "submitted", _("Submitted")
    # The trainee's attendance was corrected to absent or withdrawn: not theirs to fill in,
    # not counted; corrected back to present, it is open (or submitted) again.
    WITHDRAWN = "withdrawn", _("Withdrawn: attendance corrected")


class Evaluation(models.Model):
    """One trainee's evaluation of one class they attended (one per trainee per class)."""

    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("training class"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="evaluations"
    )
    dispatch = models.OneToOneField(
        Dispatch, verbose_name=_("dispatch"), on_delete=models.PROTECT, related_name="evaluation"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EvaluationStatus.choices, default=EvaluationStatus.OPEN
    )
    score = models.PositiveSmallIntegerField(_("score of the class"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["training_class", "status"], name="evaluation_class_status_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "training_class"], name="evaluation_once_per_class"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | _SCORE_RANGE, name="evaluation_score_range"
            ),
            models.CheckConstraint(
                condition=~Q(status=EvaluationStatus.SUBMITTED) | Q(score__isnull=False),
                name="evaluation_submitted_has_score",
            ),
        ]

    def __str__(self):
        return f"{self.training_class}（{_('evaluation')}）"


class SessionScore(models.Model):
    """A trainee's score of one session of the class, part of their evaluation."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.PROTECT, related_name="sessions"
    )
    session = models.ForeignKey(
        ClassSession,
        verbose_name=_("class session"),
        on_delete=models.PROTECT,
        related_name="feedback_scores",
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("session score")
        verbose_name_plural = _("session scores")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "session"], name="session_score_once"),
            models.CheckConstraint(condition=_SCORE_RANGE, name="session_score_range"),
        ]

    def __str__(self):
        return f"{self.session}: {self.score}"


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Waiting for the department head")
    DONE = "done", _("Done")
    # As its evaluation: the trainee's attendance was corrected to absent or withdrawn.
    WITHDRAWN = "withdrawn", _("Withdrawn: attendance corrected")


class Applied(models.TextChoices):
    YES = "yes", _("Applied")
    PARTLY = "partly", _("Partly applied")
    NO = "no", _("Not applied")


class FollowUp(models.Model):
    """The follow-up of one trainee after one class: due some months after the class
    ends, answered by the head of the trainee's unit (applied what was learned, rating,
    comment)."""

    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("training class"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    dispatch = models.OneToOneField(
        Dispatch, verbose_name=_("dispatch"), on_delete=models.PROTECT, related_name="follow_up"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.SCHEDULED,
    )
    due_on = models.DateField(_("follow up on"))
    due_at = models.DateTimeField(_("answer by"), null=True, blank=True)
    escalated = models.BooleanField(_("escalated"), default=False)
    # When the head was reminded (`services.follow_up_remind`): once, in one message with
    # the unit's other follow-ups due then.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    applied = models.CharField(
        _("applied what was learned"), max_length=8, choices=Applied.choices, blank=True
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="follow_up_status_due_idx"),
            models.Index(fields=["training_class", "status"], name="follow_up_class_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "training_class"], name="follow_up_once_per_class"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=SCORE_MIN, rating__lte=SCORE_MAX),
                name="follow_up_rating_range",
            ),
            models.CheckConstraint(
                condition=~Q(status=FollowUpStatus.DONE)
                | (Q(rating__isnull=False) & Q(applied__in=Applied.values)),
                name="follow_up_done_has_answer",
            ),
        ]

    def __str__(self):
        return f"{self.cadre.name}：{self.training_class}（{_('follow-up')}）"
