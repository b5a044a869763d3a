"""The hours ledger and the indicators as data: every credited hour once (`source_key`),
the rules a cadre's hours are measured against (versioned), and hour-import batches."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from core.versioning import VersionedRule
from org.models import CATEGORY_GROUP, Cadre, CadreCategory, IndicatorGroup


class HourKind(models.TextChoices):
    CONCENTRATED = "concentrated", _("Concentrated training")
    ONLINE = "online", _("Online self-study")


class HourSource(models.TextChoices):
    CLASS = "class", _("Class attendance")
    FILING = "filing", _("Accepted filing")
    ONLINE_IMPORT = "online_import", _("Online platform import")
    RECOGNITION = "recognition", _("Recognition request")


class HourStatus(models.TextChoices):
    RECOGNIZED = "recognized", _("Recognized")
    PENDING = "pending", _("Pending")
    REJECTED = "rejected", _("Rejected")


# What a record adds to the running totals (`HourTotal`): only recognized hours count.
COUNTED_STATUS = "recognized"
TOTAL_FIELDS = ("cadre_id", "kind", "date", "hours", "days", "status")
UPSERT_BATCH = 500
# A total also holds the sums of the five calendar years that end with its own, so a
# window of five whole years (the plan's rolling five years) reads one total per cadre.
TRAILING_YEARS = 5
TOTAL_SUMS = ("hours", "days", "hours_without_days", "records")
TRAILING_SUMS = ("hours_5y", "days_5y", "hours_without_days_5y")
# Sent (cadre_ids, using) in the transaction of every write that moved a total; the
# stored compliance standings follow (`ledger.standings.hours_counted`).
totals_moved = Signal()


class HourRecordQuerySet(models.QuerySet):
    """Every write of hour records keeps the running totals in the same transaction:
    `bulk_create` adds the new records' hours; an `update` that changes what records
    count takes their old values away and adds the new ones (rows locked meanwhile)."""

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise NotImplementedError("hour records are created once; conflicts are errors")
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            HourTotal.objects.db_manager(self.db).add(created)
        return created

    def update(self, **kwargs):
        if not set(kwargs) & {"cadre", "cadre_id", "kind", "date", "hours", "days", "status"}:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            ids = list(self.order_by("pk").select_for_update().values_list("pk", flat=True))
            fresh = HourRecord.objects.db_manager(self.db)
            before = [
                r for ch in _chunks(ids) for r in fresh.filter(pk__in=ch).values(*TOTAL_FIELDS)
            ]
            count = super().update(**kwargs)
            after = [
                r for ch in _chunks(ids) for r in fresh.filter(pk__in=ch).values(*TOTAL_FIELDS)
            ]
            HourTotal.objects.db_manager(self.db).move(before, after)
        return count


def _chunks(ids, size=5000):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class HourRecord(models.Model):
    """Credit hours in a cadre's ledger. `source_key` names the one thing that earned
    them (a dispatch, a filing participant, an import row), so nothing counts twice.

    Saving a record keeps `HourTotal` in step (a new record adds its hours; a change of
    status, hours, day or kind moves them), in the same transaction."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="hours"
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    days = models.DecimalField(
        _("days"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Training days, where the source counts them (classes, filings)."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=HourKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=HourSource.choices)
    source_key = models.CharField(_("source key"), max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=HourStatus.choices, default=HourStatus.RECOGNIZED
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    # A recognition request's proof, sent with each approval round (RecognitionFlow).
    attachment = models.FileField(_("attachment"), upload_to="recognitions/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = HourRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("hour record")
        verbose_name_plural = _("hour records")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["cadre", "date"], name="hours_cadre_date_idx"),
            # The hours ledger's count and recognized hours, and its pages filtered by
            # status, read from this index alone (never the table's rows).
            models.Index(
                fields=["cadre", "status", "date", "hours"], name="hours_cadre_status_idx"
            ),
            # The days at the edges of a compliance window are read from the ledger.
            models.Index(fields=["date"], name="hours_date_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(hours__gte=0), name="hours_not_negative")]

    def __str__(self):
        # Named so in the inbox, its messages and audit events: 王堃 6学时, not 王堃 6.0.
        from django.utils.translation import gettext

        from core.formatting import format_hours

        hours = gettext("%(hours)s credit hours") % {"hours": format_hours(self.hours)}
        return f"{self.cadre.name} {hours}"

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or self._state.db or "default"
        with transaction.atomic(using=using, savepoint=False):
            before = None
            if not self._state.adding and self.pk is not None:
                # Locked, so two changes of one record cannot both move its hours.
                before = (
                    HourRecord.objects.using(using)
                    .select_for_update()
                    .filter(pk=self.pk)
                    .values(*TOTAL_FIELDS)
                    .first()
                )
            super().save(*args, **kwargs)
            after = {name: getattr(self, name) for name in TOTAL_FIELDS}
            update_fields = kwargs.get("update_fields")
            if before is not None and update_fields is not None:
                # Only these fields were written; the others keep the stored values.
                saved = {self._meta.get_field(name).attname for name in update_fields}
                after = {k: (after[k] if k in saved else v) for k, v in before.items()}
            HourTotal.objects.db_manager(using).move([] if before is None else [before], [after])

    def get_source_key_label(self) -> None:
        """Not shown: the key is the ledger's own (a hash for recognitions and imports),
        meaningless to a reader; pages that list a record's fields (the process panel,
        workflow_ui._display) show none for it."""
        return None


class HourTotalManager(models.Manager):
    def add(self, records, sign: int = 1) -> None:
        """Add (or with sign=-1 take away) what `records` count to the totals."""
        self.move(records if sign < 0 else [], records if sign > 0 else [])

    def move(self, removed, added) -> None:
        """Take away what `removed` and add what `added` (HourRecords or dicts of
        TOTAL_FIELDS) count to the totals, with one upsert per batch of keys:
        `INSERT … ON CONFLICT DO UPDATE SET hours = hours + excluded.hours`, so writers
        racing on one total both count (PostgreSQL locks the row between them). Keys go
        in order, so two writers never wait on each other crosswise. A record of year y
        counts in the year's sums of y and in the five-year sums of y … y+4."""
        zero = Decimal(0)
        sums: dict[tuple, list] = {}
        signed = [(-1, record) for record in removed] + [(1, record) for record in added]
        for sign, record in signed:
            get = record.get if isinstance(record, dict) else record.__dict__.get
            if get("status") != COUNTED_STATUS:
                continue
            cadre_id, kind, year = get("cadre_id"), str(get("kind")), get("date").year
            hours, days = sign * Decimal(str(get("hours"))), get("days")
            days = None if days is None else sign * Decimal(str(days))
            for offset in range(TRAILING_YEARS):
                entry = sums.setdefault(
                    (cadre_id, kind, year + offset), [zero, zero, zero, 0, zero, zero, zero]
                )
                if offset == 0:
                    entry[0] += hours
                    entry[3] += sign
                    if days is None:
                        entry[2] += hours
                    else:
                        entry[1] += days
                entry[4] += hours
                if days is None:
                    entry[6] += hours
                else:
                    entry[5] += days
        sums = {key: entry for key, entry in sums.items() if any(entry)}  # moved nothing
        if not sums:
            return
        connection = connections[self.db]
        table = connection.ops.quote_name(HourTotal._meta.db_table)
        added = (*TOTAL_SUMS, *TRAILING_SUMS)
        updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in added)
        keys = sorted(sums)
        row = f"({', '.join(['%s'] * (3 + len(added)))})"
        with connection.cursor() as cursor:
            for start in range(0, len(keys), UPSERT_BATCH):
                batch = keys[start : start + UPSERT_BATCH]
                values = ", ".join([row] * len(batch))
                params = [
                    value
                    for key in batch
                    for value in (*key, *(v if isinstance(v, int) else str(v) for v in sums[key]))
                ]
                cursor.execute(
                    f"INSERT INTO {table} (cadre_id, kind, year, {', '.join(added)}) "
                    f"VALUES {values} ON CONFLICT (cadre_id, kind, year) DO UPDATE SET {updates}",
                    params,
                )
        totals_moved.send(HourTotal, cadre_ids={key[0] for key in keys}, using=self.db)


class HourTotal(models.Model):
    """The running total of a cadre's recognized hours of one kind in one calendar
    year — what compliance reads instead of the ledger's records. Kept by every write of
    an hour record (see HourRecord.save, HourRecordQuerySet.bulk_create), in the same
    transaction; `manage.py rebuild_hour_totals` counts it again from the ledger.

    `days` sums the days of the records that count days; `hours_without_days` the hours
    of those that do not (a rule converts them at its own hours per day). The `…_5y`
    columns hold the same over the five years that end with `year` (a row exists for
    each of the four years after a counted record's, so that window reads one row)."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="hour_totals"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=HourKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    hours = models.DecimalField(_("hours"), max_digits=12, decimal_places=1, default=0)
    days = models.DecimalField(_("days"), max_digits=12, decimal_places=1, default=0)
    hours_without_days = models.DecimalField(
        _("hours without days"), max_digits=12, decimal_places=1, default=0
    )
    records = models.IntegerField(_("records"), default=0)
    # The same sums over the five calendar years that end with this one (TRAILING_YEARS).
    hours_5y = models.DecimalField(
        _("hours in five years"), max_digits=12, decimal_places=1, default=0
    )
    days_5y = models.DecimalField(
        _("days in five years"), max_digits=12, decimal_places=1, default=0
    )
    hours_without_days_5y = models.DecimalField(
        _("hours without days in five years"), max_digits=12, decimal_places=1, default=0
    )

    objects = HourTotalManager()

    class Meta:
        verbose_name = _("hour total")
        verbose_name_plural = _("hour totals")
        constraints = [
            models.UniqueConstraint(fields=["cadre", "kind", "year"], name="hour_total_once")
        ]

    def __str__(self):
        return f"{self.cadre_id} {self.kind} {self.year}: {self.hours}"


class RuleWindow(models.TextChoices):
    CALENDAR_YEAR = "calendar_year", _("Calendar year")
    ROLLING_5_YEARS = "rolling_5_years", _("Rolling five years")
    PLAN_PERIOD = "plan_period", _("Plan period")


class IndicatorRule(VersionedRule):
    """One quantitative indicator (干部教育培训量化指标) for one indicator group, as data.

    Rules are versioned, never edited in place: a revision is a new row that supersedes
    the old one from its effective date, so an evaluation can always name the version it
    used. For one group and kind, effective periods never overlap.
    """

    version_key = ("group", "kind")
    overlap_message = _(
        "Another rule for this group, kind and these cadre categories is in force in the "
        "same period."
    )

    code = models.SlugField(_("code"), max_length=40)
    group = models.CharField(_("indicator group"), max_length=1, choices=IndicatorGroup.choices)
    categories = models.JSONField(
        _("cadre categories"),
        default=list,
        blank=True,
        help_text=_(
            "The categories of the group this rule is for; none means the whole group. "
            "For a cadre, of the rules of one kind, the one for the fewest categories "
            "applies."
        ),
    )
    kind = models.CharField(
        _("kind of training"),
        max_length=16,
        choices=[("concentrated", _("Concentrated training")), ("online", _("Online self-study"))],
    )
    window = models.CharField(_("window"), max_length=16, choices=RuleWindow.choices)
    min_hours = models.DecimalField(_("minimum hours"), max_digits=6, decimal_places=1)
    alt_min_days = models.DecimalField(
        _("or minimum days"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    hours_per_day = models.DecimalField(
        _("hours per day"),
        max_digits=4,
        decimal_places=1,
        default=8,
        help_text=_("Converts hours to days for records that do not count days."),
    )

    class Meta:
        verbose_name = _("indicator rule")
        verbose_name_plural = _("indicator rules")
        ordering = ["group", "kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rule_code_version_once"),
            models.CheckConstraint(condition=Q(min_hours__gte=0), name="rule_hours_not_negative"),
            models.CheckConstraint(condition=Q(hours_per_day__gt=0), name="rule_day_positive"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="rule_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.group}·{self.get_kind_display()} v{self.version}"

    def get_categories_display(self) -> str:
        if not self.categories:
            return str(_("The whole group"))
        labels = dict(CadreCategory.choices)
        return "、".join(str(labels.get(c, c)) for c in self.categories)

    @property
    def scope(self) -> frozenset[str]:
        """The categories this rule is for: those it names, or all of its group's."""
        if self.categories:
            return frozenset(self.categories)
        return frozenset(str(c) for c, g in CATEGORY_GROUP.items() if g == self.group)

    def scope_clashes(self, other: "IndicatorRule") -> bool:
        """Whether `other` (same group and kind) would compete with this rule for some
        cadre: they share a category and neither is more specific (for as many
        categories)."""
        mine, theirs = self.scope, other.scope
        return bool(mine & theirs) and len(mine) == len(theirs)

    competes_with = scope_clashes

    def clean(self):
        if self.min_hours is not None and self.min_hours < 0:
            raise ValidationError({"min_hours": _("Hours cannot be negative.")})
        if self.alt_min_days is not None and self.alt_min_days < 0:
            raise ValidationError({"alt_min_days": _("Days cannot be negative.")})
        if not isinstance(self.categories, list):
            raise ValidationError({"categories": _("Choose cadre categories from the list.")})
        if self.group:
            allowed = {str(c) for c, g in CATEGORY_GROUP.items() if g == self.group}
            wrong = [c for c in self.categories if c not in allowed]
            if wrong:
                raise ValidationError(
                    {
                        "categories": _(
                            "These categories are not in indicator group %(group)s: %(wrong)s"
                        )
                        % {
                            "group": self.group,
                            "wrong": "、".join(
                                str(dict(CadreCategory.choices).get(c, c)) for c in wrong
                            ),
                        }
                    }
                )
            self.categories = sorted(set(self.categories))
        super().clean()  # the period, and no competing rule in force at the same time


class CycleRuleKind(models.TextChoices):
    LEADER_SYSTEMATIC = "leader_systematic", _("Leadership team: systematic training")
    LEADER_CONCENTRATED = "leader_concentrated", _("Leadership team: concentrated training")
    YOUNG_ROTATION = "young_rotation", _("Outstanding young cadres: rotation through training")


class CadreCycleRule(VersionedRule):
    """A training cycle of leadership-team members and outstanding young cadres, as data
    (the plan: 领导班子成员每2至3年至少参加1次系统培训、5年内累计不少于2个月; 优秀年轻干部5年内
    轮训一遍):

    * `leader_systematic`: a systematic training (an attended main or thematic class) at
      least once every `years`;
    * `leader_concentrated`: at least `min_days` days of concentrated training in the
      last `years` (hours without days converted at `hours_per_day`);
    * `young_rotation`: a systematic training within `years` of being flagged.

    Versioned like `IndicatorRule`: a revision is a new row superseding the old one from
    its effective date; for one kind, effective periods never overlap."""

    version_key = ("kind",)

    kind = models.CharField(_("kind"), max_length=24, choices=CycleRuleKind.choices)
    years = models.PositiveSmallIntegerField(_("years"))
    min_days = models.DecimalField(
        _("minimum days"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    hours_per_day = models.DecimalField(
        _("hours per day"),
        max_digits=4,
        decimal_places=1,
        default=8,
        help_text=_("Converts hours to days for records that do not count days."),
    )

    class Meta:
        verbose_name = _("training cycle rule")
        verbose_name_plural = _("training cycle rules")
        ordering = ["kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="cycle_rule_version_once"),
            models.CheckConstraint(condition=Q(years__gte=1), name="cycle_rule_years_positive"),
            models.CheckConstraint(
                condition=Q(min_days__isnull=True) | Q(min_days__gte=0),
                name="cycle_rule_days_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_day__gt=0), name="cycle_rule_day_positive"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="cycle_rule_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"

    def clean(self):
        # Each field's own message (not the name of the constraint that would refuse it).
        errors = {}
        if self.years is not None and self.years < 1:
            errors["years"] = _("A cycle lasts at least one year.")
        if self.kind == CycleRuleKind.LEADER_CONCENTRATED and self.min_days is None:
            errors["min_days"] = _("Give the minimum days of this cycle.")
        elif self.min_days is not None and self.min_days < 0:
            errors["min_days"] = _("The minimum days cannot be negative.")
        if self.hours_per_day is not None and self.hours_per_day <= 0:
            errors["hours_per_day"] = _("A day of training counts more than zero hours.")
        if errors:
            raise ValidationError(errors)
        super().clean()  # the period, and no other version of this kind at the same time


class HourImport(models.Model):
    """An upload of online-platform hours: previewed with row errors, committed whole.
    Its rows are `HourImportRow`s, one per line of the file."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=255)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hour import")
        verbose_name_plural = _("hour imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name


class HourImportRow(models.Model):
    """One line of an hours file as checked: what it would credit, and why it cannot
    (`errors`, empty when the line is fine)."""

    hour_import = models.ForeignKey(
        HourImport, verbose_name=_("hour import"), on_delete=models.CASCADE, related_name="lines"
    )
    line = models.PositiveIntegerField(_("line"))
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    id_number = models.CharField(_("ID number (masked)"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    hours = models.CharField(_("hours"), max_length=32, blank=True)
    course = models.CharField(_("course"), max_length=255, blank=True)
    platform = models.CharField(_("platform"), max_length=100, blank=True)
    source_key = models.CharField(_("source key"), max_length=64, blank=True)
    errors = models.TextField(_("errors"), blank=True)

    class Meta:
        verbose_name = _("hour import row")
        verbose_name_plural = _("hour import rows")
        ordering = ["hour_import", "line"]
        constraints = [
            models.UniqueConstraint(fields=["hour_import", "line"], name="import_row_line_once")
        ]

    def __str__(self):
        return f"{self.hour_import_id}:{self.line}"


# The stored compliance standings (their own module; registered with this app's models).
from ledger.standing_models import ComplianceDay, ComplianceStanding  # noqa: E402, F401
