import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Cast, Concat, Length, Mod, Substr
from django.db.models.lookups import Exact, In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.validation import validate_phone
from org import idnumber
from org.seals import validate_seal_image

PATH_SEGMENT = 8  # "00000042/" per level: a unit's path lists its ancestors' ids


class UnitKind(models.TextChoices):
    PARTY_ORGAN = "party_organ", _("Party organ")
    GOVERNMENT = "government", _("Government body")
    SOE = "soe", _("State-owned enterprise")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    ORG_DEPARTMENT = "org_department", _("Organization department")
    INSTITUTION = "institution", _("Training institution")


def path_upper_bound(path: str) -> str:
    """The smallest string above every path that starts with `path`: its last character
    incremented (paths hold digits and "/", so "…/" becomes "…0")."""
    return path[:-1] + chr(ord(path[-1]) + 1)


class PathWithin(models.Lookup):
    """`lhs` (a path) lies in the subtree whose root has the path `rhs`, written as the
    range `lhs >= rhs AND lhs < path_upper_bound(rhs)`, compared byte by byte: SQLite
    answers it from the path index (it scans for `LIKE 'p%'`), and PostgreSQL uses its
    pattern operators `~>=~` / `~<~`, which the `varchar_pattern_ops` index serves and
    no collation can reorder."""

    lookup_name = "path_within"
    prepare_rhs = False

    def get_prep_lookup(self):
        return str(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ge, lt = (">=", "<") if connection.vendor != "postgresql" else ("~>=~", "~<~")
        sql = f"({lhs} {ge} %s AND {lhs} {lt} %s)"
        return sql, [*lhs_params, self.rhs, *lhs_params, path_upper_bound(self.rhs)]


class UnitQuerySet(models.QuerySet):
    def subtree(self, unit: "Unit"):
        """`unit` and every unit below it: one query on a range of the path index."""
        return self.filter(PathWithin(F("path"), unit.path))


class Unit(models.Model):
    """An employing organization. Units form a tree kept as a materialized path, so
    "this unit and everything below" is a single `path LIKE 'prefix%'` query."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="unit_path_idx", opclasses=["varchar_pattern_ops"])
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="unit_not_own_parent"),
        ]
        permissions = [
            ("read_scope", _("Can read units, cadres and classes in this subtree")),
            ("issue_dispatch", _("Can issue roll calls and circulars for this subtree")),
            ("approve_as_head", _("Can decide requests as department head")),
            ("approve_as_org_department", _("Can decide requests as organization department")),
            ("act_as_liaison", _("Can confirm, nominate and file for the unit")),
            ("record_attendance", _("Can record attendance and hours")),
        ]

    def __str__(self):
        return self.name

    @transaction.atomic
    def save(self, *args, **kwargs):
        old_path = self.path
        super().save(*args, **kwargs)
        # Keeping the path right is an invariant of the tree, not a workflow.
        new_path = self._computed_path()
        if new_path == old_path:
            return
        if self.parent_id and new_path.startswith(old_path or "\0"):
            raise ValidationError(
                _("A unit cannot be placed under itself or one of its own sub-units.")
            )
        depth = new_path.count("/") - 1
        Unit.objects.filter(pk=self.pk).update(path=new_path, depth=depth)
        if old_path:
            # Move the whole subtree in one statement.
            Unit.objects.filter(PathWithin(F("path"), old_path)).exclude(pk=self.pk).update(
                path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + (depth - self.depth),
            )
        self.path, self.depth = new_path, depth

    def clean(self):
        super().clean()
        if self.parent_id is None or self.pk is None:
            return
        parent = self.parent
        if parent.pk == self.pk or (self.path and parent.path.startswith(self.path)):
            raise ValidationError(
                {"parent": _("A unit cannot be placed under itself or one of its own sub-units.")}
            )

    def _computed_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.pk:0{PATH_SEGMENT}d}/"

    def ancestors(self):
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        return Unit.objects.filter(pk__in=ids[:-1]).order_by("depth")


class UnitUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign key for guardian, so jurisdiction queries join on integers. Its
    fields as guardian defines them, with their labels."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
    permission = models.ForeignKey(
        Permission, verbose_name=_("permission"), on_delete=models.CASCADE
    )
    content_object = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        verbose_name = _("permission of a user on a unit")
        verbose_name_plural = _("permissions of users on units")
        indexes = [models.Index(fields=["user", "permission"], name="unit_uop_user_perm_idx")]


class UnitGroupObjectPermission(GroupObjectPermissionBase):
    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE)
    permission = models.ForeignKey(
        Permission, verbose_name=_("permission"), on_delete=models.CASCADE
    )
    content_object = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        verbose_name = _("permission of a group on a unit")
        verbose_name_plural = _("permissions of groups on units")


class OrgDepartment(models.Model):
    """An organization department: a unit of its own, with jurisdiction over a subtree."""

    unit = models.OneToOneField(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="org_department",
        limit_choices_to={"kind": UnitKind.ORG_DEPARTMENT},
    )
    jurisdiction = models.ForeignKey(
        Unit,
        verbose_name=_("jurisdiction root"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The department manages this unit and every unit below it."),
    )
    issuer_code = models.CharField(
        _("issuer code"),
        max_length=16,
        unique=True,
        help_text=_("Prefix of document numbers, for example X组通."),
    )
    seal = models.FileField(
        _("seal image"), upload_to="seals/", blank=True, validators=[validate_seal_image]
    )
    contact_person = models.CharField(
        _("contact person"),
        max_length=40,
        blank=True,
        help_text=_(
            "Printed in the note (附注) under the date of every document the department "
            "issues, with the phone, for example 干部教育科 王明."
        ),
    )
    contact_phone = models.CharField(
        _("contact phone"),
        max_length=20,
        blank=True,
        validators=[validate_phone],
        help_text=_("A mobile number or a landline with its area code, e.g. 0571-12345678."),
    )

    class Meta:
        verbose_name = _("organization department")
        verbose_name_plural = _("organization departments")
        ordering = ["unit__path"]

    def __str__(self):
        return self.unit.name

    def clean(self):
        super().clean()
        if self.unit_id and self.unit.kind != UnitKind.ORG_DEPARTMENT:
            raise ValidationError({"unit": _("The unit must be of kind organization department.")})
        self.contact_person = self.contact_person.strip()
        if self.contact_phone:
            self.contact_phone = validate_phone(self.contact_phone)  # without spaces


class IndicatorGroup(models.TextChoices):
    A = "A", _("Group A")
    B = "B", _("Group B")


class CadreCategory(models.TextChoices):
    COUNTY_LEADER = "county_leader", _("Party and government leader at county level or above")
    SENIOR_CIVIL_SERVANT = "senior_civil_servant", _("Civil servant at level-4 researcher or above")
    SOE_LEADER = "soe_leader", _("SOE leader of equivalent level")
    PI_SENIOR = "pi_senior", _("Public institution staff at management grade 6 or above")
    SECTION_LEADER = "section_leader", _("Section-level leader")
    CIVIL_SERVANT = "civil_servant", _("Civil servant at level-1 principal staff member or below")
    OTHER_MANAGER = "other_manager", _("Other SOE or public institution manager")
    PROFESSIONAL = "professional", _("Professional and technical staff")


# Which indicator group (DOMAIN.md, 干部教育培训量化指标) each category falls under.
CATEGORY_GROUP = {
    CadreCategory.COUNTY_LEADER: IndicatorGroup.A,
    CadreCategory.SENIOR_CIVIL_SERVANT: IndicatorGroup.A,
    CadreCategory.SOE_LEADER: IndicatorGroup.A,
    CadreCategory.PI_SENIOR: IndicatorGroup.A,
    CadreCategory.SECTION_LEADER: IndicatorGroup.B,
    CadreCategory.CIVIL_SERVANT: IndicatorGroup.B,
    CadreCategory.OTHER_MANAGER: IndicatorGroup.B,
    CadreCategory.PROFESSIONAL: IndicatorGroup.B,
}


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class IdNumberField(models.CharField):
    """An 18-character ID number. Its length is checked by `validate_id_number`, whose
    message names the ID number, instead of Django's generic "at most 18 characters"
    (dropped from the model field and from its form field; the input keeps
    `maxlength`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators[:] = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        field.validators[:] = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        return field


_DIGITS = list("0123456789")


def _id_digit(position: int):
    """The digit at `position` (1-based) of the ID number, as an integer — or -1 when it
    is not a digit (the CASE keeps PostgreSQL from casting a letter)."""
    char = Substr("id_number", position, 1)
    return Case(
        When(In(char, _DIGITS), then=Cast(char, IntegerField())),
        default=Value(-1),
        output_field=IntegerField(),
    )


def id_number_checksum_condition():
    """GB 11643 in SQL: 17 digits, then the check character '10X98765432'[Σ dᵢ·wᵢ mod 11]
    (ISO 7064 MOD 11-2), with Substr, Cast and Mod only, for SQLite and PostgreSQL.
    Migration 0007 builds the same condition."""
    weighted = sum(
        (_id_digit(i) * weight for i, weight in zip(range(1, 18), idnumber.WEIGHTS, strict=True)),
        start=Value(0),
    )
    expected = Substr(Value(idnumber.CHECK_CHARS), Mod(weighted, Value(11)) + Value(1), Value(1))
    all_digits = Q(*[In(Substr("id_number", i, 1), _DIGITS) for i in range(1, 18)])
    return all_digits & Q(Exact(Substr("id_number", 18, 1), expected))


def young_cadre_since_refusal(is_young: bool, since, today=None, id_number="") -> str | None:
    """Why `since` cannot be the day a cadre was flagged as an outstanding young cadre
    (`Cadre.young_cadre_since`): only a flagged cadre has that day, and it is neither
    after `today` nor before the cadre was 18 (born as their ID number says, when it is
    readable); None when it can. The rule of the cadre form, the admin and the import."""
    if since is None:
        return None
    if not is_young:
        return _("Only an outstanding young cadre has the day they were flagged.")
    if since > (today or timezone.localdate()):
        return _("The day flagged cannot be in the future.")
    try:
        born = idnumber.birth_date(idnumber.normalize(id_number))
    except (ValueError, TypeError):
        return None  # the ID number's own check says what is wrong with it
    # The 18th birthday (1 March for one born on 29 February, in a common year).
    adult = dt.date(born.year + 18, born.month, 1) + dt.timedelta(days=born.day - 1)
    if since < adult:
        return _("The day flagged is before the cadre turned 18 (born %(born)s).") % {
            "born": born.isoformat()
        }
    return None


class Cadre(models.Model):
    name = models.CharField(_("full name"), max_length=64)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    id_number = IdNumberField(
        _("ID number"),
        max_length=18,
        unique=True,
        validators=[idnumber.validate_id_number],
        error_messages={"unique": _("A cadre with this ID number already exists.")},
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cadres"
    )
    position = models.CharField(_("position"), max_length=128)
    rank = models.CharField(_("rank"), max_length=32, blank=True)
    category = models.CharField(_("category"), max_length=32, choices=CadreCategory.choices)
    is_leadership_member = models.BooleanField(_("leadership-team member"), default=False)
    is_young_cadre = models.BooleanField(_("outstanding young cadre"), default=False)
    young_cadre_since = models.DateField(
        _("flagged as outstanding young cadre on"),
        null=True,
        blank=True,
        help_text=_("The rotation through training is due within the cycle from this day."),
    )
    managing_org_department = models.ForeignKey(
        OrgDepartment,
        verbose_name=_("managing organization department"),
        on_delete=models.PROTECT,
        related_name="managed_cadres",
    )
    co_managing_org_department = models.ForeignKey(
        OrgDepartment,
        verbose_name=_("co-managing organization department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="co_managed_cadres",
        help_text=_("Only for dual-managed cadres."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cadre",
    )

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["unit__path", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(co_managing_org_department__isnull=True)
                | ~Q(co_managing_org_department=F("managing_org_department")),
                name="cadre_co_managing_differs",
            ),
            models.CheckConstraint(
                condition=models.lookups.Exact(Length("id_number"), 18),
                name="cadre_id_number_length",
            ),
            models.CheckConstraint(
                condition=id_number_checksum_condition(),
                name="cadre_id_number_checksum",
                violation_error_message=_(
                    "The check character of the ID number is wrong; please check the number."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def indicator_group(self) -> str:
        return CATEGORY_GROUP[self.category]

    @property
    def masked_id_number(self) -> str:
        return idnumber.mask(self.id_number)

    @property
    def is_dual_managed(self) -> bool:
        return self.co_managing_org_department_id is not None

    def clean(self):
        super().clean()
        self.id_number = idnumber.normalize(self.id_number)
        errors = {}
        if self.managing_org_department_id and self.unit_id:
            department = self.managing_org_department
            root = department.jurisdiction
            if not self.unit.path.startswith(root.path):
                errors["managing_org_department"] = _(
                    "%(department)s cannot manage a cadre of %(unit)s: its jurisdiction is "
                    "%(root)s and the units below it. Choose the organization department "
                    "whose jurisdiction holds the cadre's unit."
                ) % {"department": department, "unit": self.unit, "root": root}
        if (
            self.co_managing_org_department_id
            and self.co_managing_org_department_id == self.managing_org_department_id
        ):
            errors["co_managing_org_department"] = _(
                "The co-managing organization department must differ from the managing one."
            )
        if self.gender and len(self.id_number) == 18 and self.id_number[16].isdigit():
            expected = Gender.MALE if idnumber.is_male(self.id_number) else Gender.FEMALE
            if self.gender != expected:
                errors["gender"] = _("The gender does not match the ID number.")
        refusal = young_cadre_since_refusal(
            self.is_young_cadre, self.young_cadre_since, id_number=self.id_number
        )
        if refusal:
            errors["young_cadre_since"] = refusal
        if errors:
            raise ValidationError(errors)


class Delegation(models.Model):
    """A department head lets a deputy decide in their place for a date window."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegator"),
        on_delete=models.PROTECT,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        related_name="delegations_received",
    )
    permission = models.CharField(_("permission"), max_length=100)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    revoked = models.BooleanField(_("revoked"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="delegation_window_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(delegate=F("delegator")), name="delegation_not_to_self"
            ),
        ]

    def __str__(self):
        return f"{self.delegator} → {self.delegate}"


class TransferSource(models.TextChoices):
    FORM = "form", _("Cadre form")
    IMPORT = "import", _("Import")


class CadreTransferManager(models.Manager):
    def get_queryset(self):
        # The cadre page lists the history with both units' names: one query.
        return super().get_queryset().select_related("from_unit", "to_unit", "changed_by")


class CadreTransfer(models.Model):
    """The cadre's unit changed (任职单位变动): the history keeps the old unit. Written by
    `org.services.cadre_save` and by the cadre import; never changed or deleted."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_unit = models.ForeignKey(
        Unit, verbose_name=_("previous unit"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        Unit, verbose_name=_("new unit"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=16, choices=TransferSource.choices)

    objects = CadreTransferManager()

    class Meta:
        verbose_name = _("change of unit")
        verbose_name_plural = _("changes of unit")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["cadre", "-changed_at"], name="cadre_transfer_idx")]

    def __str__(self):
        return f"{self.cadre_id}: {self.from_unit_id} → {self.to_unit_id}"
