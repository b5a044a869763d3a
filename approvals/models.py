"""Approval requests (leave, deferral, exemption, hour recognition) and their steps.

`approvals` knows its subject only generically (content type + id) and the authorities
that decide only as (permission, scope object) pairs computed by `policy.py`; it
announces decisions with the `decision_made` signal and never imports `dispatch`.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned to the applicant")
    CANCELLED = "cancelled", _("Cancelled")


class ApprovalRequest(models.Model):
    kind = models.CharField(_("kind"), max_length=16)
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("subject type"), on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    title = models.CharField(_("title"), max_length=255)
    reason = models.TextField(_("reason"))
    attachment = models.FileField(_("attachment"), upload_to="approvals/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The cadre the request is about: they may not decide it (approvals.policy.may_decide).
    cadre = models.ForeignKey(
        "org.Cadre",
        verbose_name=_("cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The request's outer limit, given by the caller (say, the eve of the class): no step
    # is due later. Each step has its own window within it (`ApprovalStep.due_at`).
    due_at = models.DateTimeField(_("decide by"), null=True, blank=True)
    # What notifications say about the subject (names, class, kind), given by the caller.
    context = models.JSONField(_("context"), default=dict, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="approval_subject_idx")]

    def __str__(self):
        return self.title

    @property
    def kind_label(self) -> str:
        """The kind as its caller named it (`context["request_kind"]`, say 请假), or its
        code: approvals knows no kinds of its own."""
        return self.context.get("request_kind") or self.kind


class Decision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SENT_BACK = "sent_back", _("Sent back")


class ApprovalStep(models.Model):
    """One authority's decision on a request. Stage 1 is the department head; stage 2
    holds one step per managing org department, decided in parallel."""

    request = models.ForeignKey(
        ApprovalRequest,
        verbose_name=_("approval request"),
        on_delete=models.PROTECT,
        related_name="steps",
    )
    stage = models.PositiveSmallIntegerField(_("stage"))
    label = models.CharField(_("authority"), max_length=128)
    permission = models.CharField(_("permission"), max_length=100)
    scope_type = models.ForeignKey(
        ContentType, verbose_name=_("scope type"), on_delete=models.PROTECT, related_name="+"
    )
    scope_id = models.PositiveBigIntegerField(_("scope id"))
    scope = GenericForeignKey("scope_type", "scope_id")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The step's own decision window, opened with its stage (`services.step_window`):
    # empty until then (an organization department's step while the head decides).
    due_at = models.DateTimeField(_("decide by"), null=True, blank=True)
    escalated = models.BooleanField(_("escalated"), default=False)
    # When whoever may take the step was reminded of it (`services.steps_remind`): each
    # step's reminder goes out once, in one message with the others due at that moment.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["request", "round", "stage", "id"]

    def __str__(self):
        return f"{self.label}: {self.get_decision_display()}"
