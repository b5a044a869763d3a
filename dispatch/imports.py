"""Import kinds (imports.kinds) of the dispatch app: training institutions and classes.

Institutions ("培训机构") are keyed by their unit's code. A code that names no unit yet
creates the unit (of kind training institution) under the given parent unit, as a unit
row of the units import would; the importer needs `issue_dispatch` on that parent, as
`org.services.unit_save` asks. An existing unit must be a training-institution unit
in the importer's jurisdiction; its name may change, its place in the tree may not
(moving units is the units import's job). The capacity (the seats it hosts at a time,
`dispatch.capacity`) is a whole number from 1 up, or empty when unknown; a file without
that column keeps the capacity an institution has, and it is not lowered below the seats
classes and plans already book there on some day from today on.

Classes ("班次"): dispatch.imports_classes.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import save_audited
from core.formatting import format_date
from dispatch.capacity import peak_taken
from dispatch.import_cells import (
    choice_labels,
    choice_lookup,
    dispatcher_reach,
    parse_decimal,
    text,
    too_long,
    write_in_batches,
)
from dispatch.imports_classes import ClassImport
from dispatch.models import Institution, InstitutionKind
from imports.kinds import Action, Column, ImportKind, RowOutcome, differences
from org.models import Unit, UnitKind
from org.policy import is_dispatcher

#: the most seats an institution's capacity may say (an integer column on PostgreSQL)
CAPACITY_MAX = 100_000

# -- institutions -------------------------------------------------------------------------


class InstitutionImport(ImportKind):
    slug = "institutions"
    label = gettext_lazy("Training institutions")
    order = 40
    description = gettext_lazy(
        "One row per training institution, by its unit code. A code no unit has yet "
        "creates the unit (a training institution) under the parent unit given; an "
        "existing unit keeps its place in the tree. You need to be a dispatcher of the "
        "unit (or of the parent of a new unit)."
    )
    columns = [
        Column(
            "code",
            gettext_lazy("Unit code"),
            required=True,
            aliases=("单位代码", "机构代码", "code"),
            example="xx-dx",
            help=gettext_lazy("The institution's unit code; a new code creates the unit."),
        ),
        Column(
            "name",
            gettext_lazy("Institution name"),
            required=True,
            aliases=("名称", "机构名称", "name"),
            example="中共XX市委党校",
        ),
        Column(
            "parent",
            gettext_lazy("Parent unit code"),
            aliases=("上级单位", "上级单位代码", "parent"),
            example="xx",
            help=gettext_lazy("Required only when the unit is new: where it is placed."),
        ),
        Column(
            "kind",
            gettext_lazy("Institution kind"),
            required=True,
            aliases=("类别", "机构类别", "kind"),
            example="党校",
            help=gettext_lazy("One of: %(kinds)s.") % {"kinds": choice_labels(InstitutionKind)},
        ),
        Column(
            "address",
            gettext_lazy("Address"),
            aliases=("地址", "address"),
            example="XX市XX路1号",
        ),
        Column(
            "capacity",
            capfirst(Institution._meta.get_field("capacity").verbose_name),
            aliases=("容纳人数", "capacity"),
            example="300",
            help=gettext_lazy(
                "The seats the institution can host at a time, a whole number; classes "
                "beyond it are refused. Empty: unknown (not checked)."
            ),
        ),
    ]

    def may_import(self, user) -> bool:
        return is_dispatcher(user)

    def check(self, actor, rows):
        rows = [(line, {k: text(v) for k, v in row.items()}) for line, row in rows]
        codes = {row.get("code", "") for _line, row in rows} | {
            row.get("parent", "") for _line, row in rows
        }
        units = {
            u.code: u
            for u in Unit.objects.filter(code__in=codes - {""}).select_related("institution")
        }
        reach = dispatcher_reach(actor, [u.pk for u in units.values()])
        kinds = choice_lookup(InstitutionKind)
        first_line: dict[str, int] = {}
        for line, row in rows:
            yield self._check_row(line, row, units, reach, kinds, first_line)

    def _check_row(self, line, row, units, reach, kinds, first_line) -> RowOutcome:
        code, name = row.get("code", ""), row.get("name", "")
        parent_code, address = row.get("parent", ""), row.get("address", "")
        outcome = RowOutcome(line=line, key=code, action=Action.ERROR, raw=row)
        errors = outcome.errors
        if not code:
            errors.append(_("The unit code is empty."))
        elif code in first_line:
            errors.append(
                _("The unit code %(code)s appears twice in the file (also on line %(line)s).")
                % {"code": code, "line": first_line[code]}
            )
        else:
            first_line[code] = line
        if len(code) > 32:
            errors.append(too_long(_("The unit code"), code, 32))
        if not name:
            errors.append(_("The institution name is empty."))
        elif len(name) > 128:
            errors.append(too_long(_("The institution name"), name, 128))
        if len(address) > 255:
            errors.append(too_long(_("The address"), address, 255))
        capacity = self._capacity(row, errors)
        kind = kinds.get(row.get("kind", ""))
        if kind is None:
            errors.append(
                _("Unknown institution kind “%(value)s”; write one of: %(kinds)s.")
                % {"value": row.get("kind", ""), "kinds": choice_labels(InstitutionKind)}
            )
        unit = units.get(code) if code else None
        parent = units.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            errors.append(_("Unknown parent unit code %(code)s.") % {"code": parent_code})
        if unit is None:
            if not parent_code:
                errors.append(
                    _("No unit has the code %(code)s; give its parent unit code to create it.")
                    % {"code": code}
                )
            elif parent is not None and parent.pk not in reach:
                errors.append(
                    _("The parent unit %(code)s is outside your jurisdiction.")
                    % {"code": parent_code}
                )
        else:
            if unit.pk not in reach:
                errors.append(_("The unit %(code)s is outside your jurisdiction.") % {"code": code})
            elif unit.kind != UnitKind.INSTITUTION:
                errors.append(
                    _("The unit %(code)s is not a training institution unit.") % {"code": code}
                )
            if parent is not None and unit.parent_id != parent.pk:
                errors.append(
                    _(
                        "The unit %(code)s already stands under another parent; move units "
                        "with the units import."
                    )
                    % {"code": code}
                )
        institution = getattr(unit, "institution", None) if unit else None
        if institution is not None and capacity not in (KEEP, None):
            self._booked_refusal(institution, capacity, errors)
        if errors:
            return outcome
        outcome.data = {
            "code": code,
            "name": name,
            "kind": kind,
            "address": address,
            "parent": parent.pk if parent else None,
        }
        if capacity is KEEP:
            capacity = institution.capacity if institution else None
        outcome.data["capacity"] = capacity
        if unit is None or institution is None:
            outcome.action = Action.CREATE
        elif (unit.name, *_record(institution)) == (name, kind, address, capacity):
            outcome.action = Action.UNCHANGED
        else:
            outcome.action = Action.UPDATE
            field = Institution._meta.get_field
            outcome.changes = differences(
                [
                    (Unit._meta.get_field("name").verbose_name, unit.name, name),
                    (field("kind").verbose_name, institution.kind, kind, _kind_label),
                    (field("address").verbose_name, institution.address, address),
                    (field("capacity").verbose_name, institution.capacity, capacity),
                ]
            )
        return outcome

    def _booked_refusal(self, institution, capacity, errors) -> None:
        """A capacity lowered below the seats booked there on some day from today on
        (`dispatch.capacity.peak_taken`) would refuse the classes' next changes."""
        if institution.capacity is not None and capacity >= institution.capacity:
            return
        peak, day = peak_taken(institution, timezone.localdate())
        if peak > capacity:
            errors.append(
                _(
                    "Classes and plans already book %(peak)s seats at %(name)s on %(day)s: "
                    "its capacity cannot be fewer."
                )
                % {"peak": peak, "name": institution.name, "day": format_date(day)}
            )

    def _capacity(self, row, errors):
        """The capacity cell as a number of seats, None when empty, KEEP when the file
        has no such column."""
        if "capacity" not in row:
            return KEEP
        cell = row["capacity"]
        if not cell:
            return None
        header = Institution._meta.get_field("capacity").verbose_name
        number = parse_decimal(cell)
        if number is None:
            errors.append(
                _("The %(field)s “%(value)s” is not a number.") % {"field": header, "value": cell}
            )
        elif number != number.to_integral_value() or not 1 <= number <= CAPACITY_MAX:
            errors.append(
                _("The %(field)s “%(value)s” must be a whole number from 1 to %(max)s.")
                % {"field": header, "value": cell, "max": CAPACITY_MAX}
            )
        else:
            return int(number)
        return None

    def apply(self, actor, outcomes, progress):
        def write(outcome):
            data = outcome.data
            unit = Unit.objects.filter(code=data["code"]).first()
            if unit is None:
                unit = Unit(
                    code=data["code"],
                    name=data["name"],
                    kind=UnitKind.INSTITUTION,
                    parent_id=data["parent"],
                )
                save_audited(actor=actor, instance=unit, verb_prefix="unit")
            elif unit.name != data["name"]:
                unit.name = data["name"]
                save_audited(actor=actor, instance=unit, verb_prefix="unit")
            institution = Institution.objects.filter(unit=unit).first() or Institution(unit=unit)
            record = (data["kind"], data["address"], data["capacity"])
            if institution.pk and _record(institution) == record:
                return
            institution.kind, institution.address, institution.capacity = record
            save_audited(actor=actor, instance=institution, verb_prefix="institution")

        with transaction.atomic():
            write_in_batches(outcomes, progress, write)


#: a cell of a column the file does not have: the institution keeps its value
KEEP = object()


def _record(institution) -> tuple:
    """What the import writes of an institution, besides its unit's name."""
    return (institution.kind, institution.address, institution.capacity)


def _kind_label(value) -> str:
    return InstitutionKind(value).label if value in InstitutionKind.values else value


def register_kinds(registry) -> None:
    """Register this module's import kinds."""
    registry.register(InstitutionImport())
    registry.register(ClassImport())
