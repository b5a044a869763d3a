"""Training institutions and their classes."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.twins import TwinConstraint
from core.validation import implausible_day_refusal
from org.models import OrgDepartment, Unit, UnitKind


class InstitutionKind(models.TextChoices):
    PARTY_SCHOOL = "party_school", _("Party school")
    ADMINISTRATION_COLLEGE = "administration_college", _("Administration college")
    CADRE_COLLEGE = "cadre_college", _("Cadre college")
    UNIVERSITY_BASE = "university_base", _("University training base")
    ONLINE_PLATFORM = "online_platform", _("Online learning platform")


class Institution(models.Model):
    """A training institution. Its staff (registrars) hold permissions on its unit."""

    unit = models.OneToOneField(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="institution",
        limit_choices_to={"kind": UnitKind.INSTITUTION},
    )
    kind = models.CharField(_("kind"), max_length=32, choices=InstitutionKind.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Concurrent seats the institution can host; empty when unknown."),
    )

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["unit__path"]

    def __str__(self):
        return self.unit.name

    @property
    def name(self) -> str:
        return self.unit.name

    def clean(self):
        super().clean()
        if self.unit_id and self.unit.kind != UnitKind.INSTITUTION:
            raise ValidationError({"unit": _("The unit must be of kind training institution.")})


class ClassKind(models.TextChoices):
    MAIN = "main", _("Main class")
    THEMATIC = "thematic", _("Thematic class")
    ONLINE = "online", _("Online class")
    MAKEUP = "makeup", _("Makeup class")


#: how far ahead a class may be planned (a plan is yearly; the next year's, drafted now)
CLASS_YEARS_AHEAD = 3

# Bounds a class form or import can set: a year's days, a hall's seats.
CLASS_DAYS_MAX = 366
CLASS_QUOTA_MAX = 10_000
# The most credit hours a day of training holds: the filings' MAX_HOURS_PER_DAY
# (dispatch.services.filing), which the models cannot import (the app's layers).
CLASS_HOURS_PER_DAY_MAX = 8


class TrainingClassQuerySet(models.QuerySet):
    def held(self):
        """The classes not cancelled (`services.class_cancel.class_cancel`): those a roll
        call, a makeup, a circular, the seats of an institution and the home pages count."""
        return self.filter(cancelled_at__isnull=True)


class TrainingClass(models.Model):
    name = models.CharField(_("name"), max_length=128)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="classes"
    )
    organizer = models.ForeignKey(
        OrgDepartment,
        verbose_name=_("organizer"),
        on_delete=models.PROTECT,
        related_name="organized_classes",
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=ClassKind.choices, default=ClassKind.MAIN
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    report_date = models.DateField(_("report date"))
    location = models.CharField(_("location"), max_length=255)
    credit_hours = models.DecimalField(_("credit hours"), max_digits=6, decimal_places=1)
    days = models.PositiveSmallIntegerField(_("days"))
    quota = models.PositiveIntegerField(_("quota"))
    #: set once, with its reason, when the class is called off before anyone was
    #: dispatched to it (never deleted: its plan line and its history keep it)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True, editable=False)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["start_date", "end_date"], name="class_dates_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="class_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(report_date__lte=F("start_date")), name="class_report_before_start"
            ),
            models.CheckConstraint(
                condition=Q(credit_hours__gte=0), name="class_hours_not_negative"
            ),
            models.CheckConstraint(condition=Q(days__gte=1), name="class_days_positive"),
            models.CheckConstraint(condition=Q(quota__gte=1), name="class_quota_positive"),
            # One class per name, institution and dates, even for two dispatchers saving
            # it at once; validated in the words of `dispatch.twins`, naming the class.
            TwinConstraint(
                fields=["name", "institution", "start_date", "end_date"],
                name="class_once",
                refusal="dispatch.twins.class_twin_refusal",
                field="name",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.start_date and self.end_date:
            if self.end_date < self.start_date:
                errors["end_date"] = _("A class cannot end before it starts.")
            elif self.days and self.days > (self.end_date - self.start_date).days + 1:
                errors["days"] = _("The class has more days than its date range holds.")
        if self.start_date and self.report_date and self.report_date > self.start_date:
            errors["report_date"] = _("The report date must be on or before the start date.")
        for field in ("start_date", "end_date", "report_date"):
            refusal = implausible_day_refusal(getattr(self, field), years_ahead=CLASS_YEARS_AHEAD)
            if refusal and field not in errors:
                errors[field] = refusal
        # The database's checks hold the lower bounds too, but name only the constraint.
        if self.credit_hours is not None and self.credit_hours <= 0:
            errors["credit_hours"] = _("Credit hours must be more than zero.")
        elif refusal := self.hours_per_day_refusal():
            errors["credit_hours"] = refusal
        if self.days is not None and not 1 <= self.days <= CLASS_DAYS_MAX:
            errors["days"] = _("A class lasts from 1 to %(max)s days.") % {"max": CLASS_DAYS_MAX}
        if self.quota is not None and not 1 <= self.quota <= CLASS_QUOTA_MAX:
            errors["quota"] = _("A class has from 1 to %(max)s seats.") % {"max": CLASS_QUOTA_MAX}
        if errors:
            raise ValidationError(errors)

    def hours_per_day_refusal(self) -> str | None:
        """Why the class's credit hours are more than its days hold, or None: at most
        CLASS_HOURS_PER_DAY_MAX a day, the filings' rule — every hour attended is
        credited, so a one-day class of 500 hours would meet the five-year requirement in
        a day. Not judged while the hours or the days are missing or out of range (their
        own messages say so), nor hours the field cannot hold."""
        if self.credit_hours is None or self.credit_hours <= 0 or self._hours_beyond_field():
            return None
        if self.days is None or not 1 <= self.days <= CLASS_DAYS_MAX:
            return None
        most = self.days * CLASS_HOURS_PER_DAY_MAX
        if self.credit_hours <= most:
            return None
        return _(
            "A class holds at most %(per_day)s credit hours a day: at most %(most)s hours "
            "in its %(days)s day(s)."
        ) % {"per_day": CLASS_HOURS_PER_DAY_MAX, "days": self.days, "most": most}

    def _hours_beyond_field(self) -> bool:
        """Whether the credit hours are more than the field holds (its digits): the
        field's check, or the import's, names that number alone."""
        field = self._meta.get_field("credit_hours")
        return self.credit_hours >= 10 ** (field.max_digits - field.decimal_places)
