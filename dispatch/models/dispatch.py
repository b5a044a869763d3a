"""Roll calls, per-cadre dispatches and what follows from them: makeup owed, hours
credited, filings. Each row's `status` is stored and indexed and changes in the same
transaction as the flow step that causes it, so reports never replay flows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.formatting import format_date
from dispatch.models.classes import TrainingClass
from org.models import Cadre, OrgDepartment, Unit


class RollCallMode(models.TextChoices):
    NAMED = "named", _("Named (roll call)")
    QUOTA = "quota", _("Quota allocation")


class RollCallStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Closed")


class RollCall(models.Model):
    """An org department's order that cadres attend a class (点名调训 / 名额分配)."""

    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("training class"),
        on_delete=models.PROTECT,
        related_name="roll_calls",
    )
    org_department = models.ForeignKey(
        OrgDepartment,
        verbose_name=_("organization department"),
        on_delete=models.PROTECT,
        related_name="roll_calls",
    )
    mode = models.CharField(_("mode"), max_length=8, choices=RollCallMode.choices)
    response_deadline = models.DateTimeField(_("response deadline"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RollCallStatus.choices,
        default=RollCallStatus.OPEN,
        db_index=True,
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    named_cadres = models.ManyToManyField(
        Cadre, verbose_name=_("named cadres"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("roll call")
        verbose_name_plural = _("roll calls")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.training_class.name}（{self.get_mode_display()}）"


class QuotaStatus(models.TextChoices):
    AWAITING_NOMINATION = "awaiting_nomination", _("Awaiting nomination")
    AWAITING_HEAD = "awaiting_head", _("Awaiting department head")
    AWAITING_DISPATCHER = "awaiting_dispatcher", _("Awaiting dispatcher")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")


class QuotaAllocation(models.Model):
    """Seats of a quota roll call given to one unit, and the unit's nominees."""

    roll_call = models.ForeignKey(
        RollCall, verbose_name=_("roll call"), on_delete=models.PROTECT, related_name="allocations"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    seats = models.PositiveIntegerField(_("seats"))
    nominees = models.ManyToManyField(
        Cadre, verbose_name=_("nominees"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=QuotaStatus.choices,
        default=QuotaStatus.AWAITING_NOMINATION,
        db_index=True,
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    times_returned = models.PositiveIntegerField(_("times returned"), default=0)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("nominated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who submitted the current nominees (the recusal rule reads it)."),
    )

    class Meta:
        verbose_name = _("quota allocation")
        verbose_name_plural = _("quota allocations")
        constraints = [
            models.UniqueConstraint(fields=["roll_call", "unit"], name="quota_unit_once"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="quota_seats_positive"),
        ]

    def __str__(self):
        # Read in 我的待办, in messages and as the nomination's title: 青山镇人民政府（2个名额）.
        return ngettext("%(unit)s (%(seats)d seat)", "%(unit)s (%(seats)d seats)", self.seats) % {
            "unit": self.unit.name,
            "seats": self.seats,
        }


class DispatchKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    MAKEUP = "makeup", _("Makeup")


class DispatchStatus(models.TextChoices):
    NAMED = "named", _("Named")
    REQUESTED = "requested", _("Request under approval")
    CONFIRMED = "confirmed", _("Confirmed")
    NOTIFIED = "notified", _("Notified")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DEFERRED = "deferred", _("Deferred")
    EXEMPT = "exempt", _("Exempt")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_DISPATCH_STATUSES = [
    DispatchStatus.NAMED,
    DispatchStatus.REQUESTED,
    DispatchStatus.CONFIRMED,
    DispatchStatus.NOTIFIED,
    DispatchStatus.ACKNOWLEDGED,
]
# Statuses in which a cadre is (or was) sitting in the class: they clash with another class.
BUSY_DISPATCH_STATUSES = [*OPEN_DISPATCH_STATUSES, DispatchStatus.ATTENDED]


class RequestKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    DEFERRAL = "deferral", _("Deferral")
    EXEMPTION = "exemption", _("Exemption")


class AttendanceResult(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Dispatch(models.Model):
    """One cadre ordered to one class: the life cycle of DOMAIN.md in one row."""

    roll_call = models.ForeignKey(
        RollCall,
        verbose_name=_("roll call"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatches",
    )
    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("training class"),
        on_delete=models.PROTECT,
        related_name="dispatches",
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="dispatches"
    )
    # Denormalized from the cadre at dispatch time: circulars count by the unit then.
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="dispatches"
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=DispatchKind.choices, default=DispatchKind.REGULAR
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DispatchStatus.choices,
        default=DispatchStatus.NAMED,
        db_index=True,
    )
    confirm_due = models.DateTimeField(_("confirm by"))
    acknowledge_due = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    request_kind = models.CharField(
        _("request"), max_length=10, choices=RequestKind.choices, blank=True
    )
    request_reason = models.TextField(_("reason"), blank=True)
    request_attachment = models.FileField(_("attachment"), upload_to="requests/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice_reference = models.CharField(_("notice"), max_length=64, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_ip = models.GenericIPAddressField(_("acknowledged from"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=AttendanceResult.choices, blank=True
    )
    hours_credited = models.DecimalField(
        _("hours credited"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    leave_hours = models.DecimalField(
        _("hours of leave during the class"), max_digits=6, decimal_places=1, default=0
    )
    flagged_for_circular = models.BooleanField(_("named in the next circular"), default=False)
    makes_up = models.ForeignKey(
        "Makeup",
        verbose_name=_("makes up for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="makeup_dispatches",
    )
    escalated = models.BooleanField(_("escalated"), default=False)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status"], name="dispatch_unit_status_idx"),
            models.Index(fields=["cadre", "status"], name="dispatch_cadre_status_idx"),
            # The circular's list of unexcused absentees (about one dispatch in twelve)
            # read from a small index rather than a third of the table's pages.
            models.Index(
                fields=["unit", "training_class", "cadre", "id"],
                condition=Q(status="absent"),
                name="dispatch_absent_idx",
            ),
        ]
        constraints = [
            # A cadre is dispatched to a class once (a cancelled dispatch may be redone).
            models.UniqueConstraint(
                fields=["cadre", "training_class"],
                condition=~Q(status="cancelled"),
                name="dispatch_cadre_class_once",
            ),
            models.CheckConstraint(
                condition=Q(leave_hours__gte=0), name="dispatch_leave_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.cadre.name} → {self.training_class.name}"

    def get_status_display(self) -> str:
        """An approved leave is stored as deferred (a makeup is owed either way) but reads
        as 请假 wherever a dispatch's status is shown, as the circular counts it."""
        if self.status == DispatchStatus.DEFERRED and self.request_kind == RequestKind.LEAVE:
            return str(RequestKind.LEAVE.label)
        return str(dict(DispatchStatus.choices).get(self.status, self.status))


class MakeupStatus(models.TextChoices):
    OWED = "owed", _("Owed")
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("Attended")
    # The makeup dispatch's exemption (免训) approved: the cadre owes it no more.
    EXEMPT = "exempt", _("Exempt")
    CANCELLED = "cancelled", _("Cancelled")


#: a makeup in one of these statuses is owed no more
SETTLED_MAKEUP_STATUSES = [MakeupStatus.ATTENDED, MakeupStatus.EXEMPT, MakeupStatus.CANCELLED]


class MakeupReason(models.TextChoices):
    """Why a makeup is owed: the request approved (its `RequestKind` value) or what
    attendance recorded."""

    LEAVE = "leave", _("leave")
    DEFERRAL = "deferral", _("deferral")
    ABSENCE = "absence", _("absence without leave")
    WITHDRAWN = "withdrawn", _("withdrawn (left the class, or leave over 1/7 of the hours)")


class Makeup(models.Model):
    """Makeup training (补训) a cadre owes after a deferral, a leave or an absence."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="makeups"
    )
    source = models.OneToOneField(
        Dispatch, verbose_name=_("owed for"), on_delete=models.PROTECT, related_name="makeup"
    )
    reason = models.CharField(_("reason"), max_length=10, choices=MakeupReason.choices)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MakeupStatus.choices,
        default=MakeupStatus.OWED,
        db_index=True,
    )
    escalated = models.BooleanField(_("overdue and escalated"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("makeup training")
        verbose_name_plural = _("makeup training")
        ordering = ["due_date", "id"]

    def __str__(self):
        # Read in 我的待办, on the home page and as the process's title, where two
        # makeups of one cadre must read apart: 王堃 补训（全市中青年干部培训班，2026年3月5日前）.
        return gettext("%(cadre)s makeup (%(missed)s, due by %(date)s)") % {
            "cadre": self.cadre.name,
            "missed": self.source.training_class.name,
            "date": format_date(self.due_date),
        }


class FilingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Filing(models.Model):
    """A training a unit organized itself, reported for the record (报备)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="filings"
    )
    title = models.CharField(_("training"), max_length=128)
    organizer_name = models.CharField(_("organized by"), max_length=128)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    hours = models.DecimalField(_("credit hours"), max_digits=6, decimal_places=1)
    #: a main or thematic class of a party school, an administrative institute or a cadre
    #: college elsewhere (党校、行政学院、干部学院主体班次或专题班次): once accepted, its
    #: participants' systematic training, as an attended class of Xundiao's own
    #: (`dispatch.leadership`)
    systematic = models.BooleanField(
        _("systematic training"),
        default=False,
        help_text=_(
            "A main or thematic class of a party school, an administrative institute or a "
            "cadre college: counts for leadership-team members and outstanding young cadres."
        ),
    )
    participants = models.ManyToManyField(
        Cadre, verbose_name=_("participants"), related_name="filings"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FilingStatus.choices,
        default=FilingStatus.SUBMITTED,
        db_index=True,
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="filing_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="filing_hours_not_negative"),
        ]

    def __str__(self):
        return self.title
