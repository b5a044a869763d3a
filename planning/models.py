"""The yearly dispatch plan (年度调训计划) of an organization department: its versions,
lines (one future class each), seats per unit or a named roll call, planned sessions,
seats offered to a partner department (对口支援/东西部协作), consultation (会商) and
waivers of the teaching indicators."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dispatch.models import ClassKind, Institution, TrainingClass
from dispatch.models.curriculum import SessionFields
from org.models import Cadre, OrgDepartment, Unit


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONSULTATION = "consultation", _("In consultation")
    RETURNED = "returned", _("Returned")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class Plan(models.Model):
    """One version of an organization department's dispatch plan for a year. A change to
    a published plan is a new version (`previous`) with its reason."""

    org_department = models.ForeignKey(
        OrgDepartment,
        verbose_name=_("organization department"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
    )
    change_reason = models.TextField(_("reason for the change"), blank=True)
    consultation_deadline = models.DateTimeField(_("consultation deadline"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    document_id = models.PositiveBigIntegerField(_("document"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispatch plan")
        verbose_name_plural = _("dispatch plans")
        ordering = ["-year", "org_department", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_department", "year", "version"], name="plan_version_once"
            ),
        ]

    def __str__(self):
        return f"{self.title}（第{self.version}版）"


class LineMode(models.TextChoices):
    QUOTA = "quota", _("Seats per unit")
    NAMED = "named", _("Named roll call")


class RollCallRefusal(models.TextChoices):
    """Why a published line's roll call has not started on its dispatch date (retried
    every day until its class starts)."""

    NO_ISSUER = (
        "no_issuer",
        _(
            "No dispatcher may issue it: the plan's author is no longer an active "
            "dispatcher of the department, and nobody else is."
        ),
    )
    #: dispatch refused it (`PlanLine.roll_call_refusal_detail` says what for)
    REFUSED = "refused", _("The roll call was refused")


class PlanLineQuerySet(models.QuerySet):
    def active(self):
        """The lines that count: neither removed from the plan nor replaced by a change."""
        return self.filter(removed_at__isnull=True)

    def removed(self):
        """The lines the dispatcher removed (with their reasons), not those replaced."""
        return self.filter(removed_at__isnull=False, replaced_by__isnull=True)

    def pending(self):
        """The lines a publication acts on: new lines (a class to create) and carried
        lines changed in their version (their class to change)."""
        return self.filter(Q(training_class__isnull=True) | Q(changed_at__isnull=False))


class PlanLine(models.Model):
    """One class of the plan. On its dispatch date (by default the report date less
    `XUNDIAO_PLAN_DISPATCH_DAYS`) the published line's roll call is started.

    A line is never deleted, nor its seats and sessions rewritten: a removed line keeps
    its row with `removed_at` and the reason; a changed line is a new row (`changed_at`)
    and the one it replaces is kept with `removed_at` and `replaced_by`. Neither counts
    anywhere any more. A carried line changed in a new version is applied to its class
    when that version is published."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="lines"
    )
    name = models.CharField(_("class name"), max_length=128)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=ClassKind.choices, default=ClassKind.MAIN
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    report_date = models.DateField(_("report date"))
    dispatch_date = models.DateField(_("dispatch date"))
    location = models.CharField(_("location"), max_length=255, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    days = models.PositiveSmallIntegerField(_("days"))
    seats = models.PositiveIntegerField(_("seats"))
    target_categories = models.JSONField(_("target cadre categories"), default=list, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=LineMode.choices)
    named_cadres = models.ManyToManyField(
        Cadre, verbose_name=_("named cadres"), blank=True, related_name="+"
    )
    partner = models.ForeignKey(
        OrgDepartment,
        verbose_name=_("partner organization department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offered_plan_lines",
    )
    partner_seats = models.PositiveIntegerField(_("seats offered to the partner"), default=0)
    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("training class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_lines",
    )
    roll_call_started_at = models.DateTimeField(_("roll call started at"), null=True, blank=True)
    roll_call_refusal = models.CharField(
        _("why the roll call has not started"),
        max_length=16,
        choices=RollCallRefusal.choices,
        blank=True,
    )
    roll_call_refusal_detail = models.TextField(_("what the roll call was refused for"), blank=True)
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("carried from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removal_reason = models.TextField(_("reason for the removal"), blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )

    objects = PlanLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        ordering = ["plan", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="plan_line_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(report_date__lte=F("start_date")), name="plan_line_report_first"
            ),
            models.CheckConstraint(
                condition=Q(dispatch_date__lt=F("start_date")), name="plan_line_dispatch_first"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="plan_line_seats_positive"),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True)
                | ~Q(removal_reason="")
                | Q(replaced_by__isnull=False),
                name="plan_line_removed_with_reason",
            ),
        ]

    def __str__(self):
        return self.name

    def get_roll_call_refusal_display(self) -> str:
        """Why the roll call has not started, in words: a refused roll call says what
        dispatch refused it for (`roll_call_refusal_detail`)."""
        label = str(dict(RollCallRefusal.choices).get(self.roll_call_refusal, ""))
        if label and self.roll_call_refusal_detail:
            return str(_("%(reason)s: %(detail)s")) % {
                "reason": label,
                "detail": self.roll_call_refusal_detail,
            }
        return label


class PlanAllocation(models.Model):
    """Seats of a quota line allotted to one unit."""

    line = models.ForeignKey(
        PlanLine, verbose_name=_("plan line"), on_delete=models.PROTECT, related_name="allocations"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    seats = models.PositiveIntegerField(_("seats"))

    class Meta:
        verbose_name = _("plan allocation")
        verbose_name_plural = _("plan allocations")
        ordering = ["line", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["line", "unit"], name="plan_allocation_once"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="plan_allocation_positive"),
        ]

    def __str__(self):
        return f"{self.unit} × {self.seats}"


class PlanSession(SessionFields):
    """A planned session of a line's curriculum; copied to the class at publication."""

    line = models.ForeignKey(
        PlanLine, verbose_name=_("plan line"), on_delete=models.PROTECT, related_name="sessions"
    )

    class Meta:
        verbose_name = _("planned session")
        verbose_name_plural = _("planned sessions")
        ordering = ["line", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="plan_session_hours_positive"),
        ]


class ConsultationStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    COMMENTED = "commented", _("Commented")
    LAPSED = "lapsed", _("Lapsed (no comment)")
    CANCELLED = "cancelled", _("Cancelled")


class Consultation(models.Model):
    """会商: an institution of the plan's lines, or a unit allotted seats, accepts the
    draft or comments on it by the deadline; silence by then counts as no comment."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="consultations"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.OPEN,
    )
    comment = models.TextField(_("comment"), blank=True)
    due = models.DateTimeField(_("due"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["plan", "round", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "round", "unit"], name="consultation_once"),
        ]

    def __str__(self):
        return f"{self.plan} · {self.unit}"


class IndicatorWaiver(models.Model):
    """The org department head lets a line whose curriculum misses the teaching
    indicators be published, with the reason."""

    line = models.OneToOneField(
        PlanLine, verbose_name=_("plan line"), on_delete=models.PROTECT, related_name="waiver"
    )
    reason = models.TextField(_("reason"))
    shortfalls = models.JSONField(_("indicators missed"), default=list)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("indicator waiver")
        verbose_name_plural = _("indicator waivers")

    def __str__(self):
        return f"{self.line} · {self.reason[:20]}"


class PartnerNomination(models.Model):
    """A cadre the partner department named into the seats a line offered it."""

    line = models.ForeignKey(
        PlanLine,
        verbose_name=_("plan line"),
        on_delete=models.PROTECT,
        related_name="partner_nominations",
    )
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("nominated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    nominated_at = models.DateTimeField(_("nominated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner nomination")
        verbose_name_plural = _("partner nominations")
        ordering = ["line", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "cadre"], name="partner_nomination_once"),
        ]

    def __str__(self):
        return f"{self.line} · {self.cadre}"
