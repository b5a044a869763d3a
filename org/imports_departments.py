"""The import kind of the organization departments (imports.kinds).

Organization departments are imported by the code of their unit (of kind organization
department), with the code of their jurisdiction's root unit and their issuer code, and
the contact person and phone their documents name in the 附注 (optional: a column the
file leaves out keeps a department's contact; an empty cell clears it). Only a superuser,
or a dispatcher whose jurisdiction holds both the department's unit and the jurisdiction
root, may import them."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.validation import validate_phone
from imports.kinds import Action, Column, ImportKind, RowOutcome, differences
from org.imports_common import Reach, cells, too_long, units_by_code
from org.models import OrgDepartment, UnitKind
from org.policy import is_dispatcher, jurisdiction_change_refusal

ISSUER_MAX = OrgDepartment._meta.get_field("issuer_code").max_length
CONTACT_MAX = OrgDepartment._meta.get_field("contact_person").max_length
#: the optional columns: left out of the file, a department keeps its value
CONTACT = ("contact_person", "contact_phone")


class OrgDepartmentImport(ImportKind):
    slug = "org_departments"
    label = gettext_lazy("Organization departments")
    order = 20
    description = gettext_lazy(
        "Organization departments by the code of their unit (a unit of kind "
        "organization department), with the code of the unit at the root of their "
        "jurisdiction and their issuer code. Only an administrator, or a dispatcher whose "
        "jurisdiction holds both units, may import them."
    )
    columns = [
        Column(
            "unit",
            gettext_lazy("Organization department unit code"),
            required=True,
            example="xx-zzb",
            help=gettext_lazy("Code of the department's own unit, of kind 组织部门."),
        ),
        Column(
            "jurisdiction",
            gettext_lazy("Jurisdiction root unit code"),
            required=True,
            example="xx",
            help=gettext_lazy("The department manages this unit and every unit below it."),
        ),
        Column(
            "issuer_code",
            gettext_lazy("Issuer code"),
            required=True,
            example="X组通",
            help=gettext_lazy(
                "Prefix of the department's document numbers, unique, at most 16 characters."
            ),
        ),
        Column(
            "contact_person",
            gettext_lazy("Contact person"),
            example="李晓红",
            help=gettext_lazy(
                "Whom the department's documents name in the note under the date; "
                "optional, at most 40 characters."
            ),
        ),
        Column(
            "contact_phone",
            gettext_lazy("Contact phone"),
            aliases=("电话", "联系人电话"),
            example="0571-12345678",
            help=gettext_lazy("A mobile number or a landline with its area code; optional."),
        ),
    ]

    def may_import(self, user) -> bool:
        return is_dispatcher(user)

    def check(self, actor, rows):
        rows = list(rows)
        # the optional columns the file has (one it leaves out keeps the department's value)
        given = {line: set(row) & set(CONTACT) for line, row in rows}
        rows = [(line, cells(self.columns, row)) for line, row in rows]
        dispatch = Reach(actor, "issue_dispatch")
        units = units_by_code(
            {row["unit"] for _l, row in rows} | {row["jurisdiction"] for _l, row in rows},
            fields=("pk", "code", "name", "kind", "path"),
        )
        departments = {
            d["unit__code"]: d
            for d in OrgDepartment.objects.filter(unit__code__in=list(units)).values(
                "pk",
                "unit__code",
                "jurisdiction__code",
                "jurisdiction__name",
                "issuer_code",
                *CONTACT,
            )
        }
        issuers = {row["issuer_code"] for _l, row in rows}
        holders = dict(
            OrgDepartment.objects.filter(issuer_code__in=list(issuers)).values_list(
                "issuer_code", "unit__code"
            )
        )
        seen_units: dict[str, int] = {}
        seen_issuers: dict[str, int] = {}
        for line, row in rows:
            code, root_code, issuer = row["unit"], row["jurisdiction"], row["issuer_code"]
            errors = []
            unit, root = units.get(code), units.get(root_code)
            if not code:
                errors.append(_("The unit code is empty."))
            elif unit is None:
                errors.append(_("Unknown unit code %(code)s.") % {"code": code})
            elif unit["kind"] != UnitKind.ORG_DEPARTMENT:
                errors.append(
                    _("The unit %(code)s (%(name)s) is not of kind organization department.")
                    % {"code": code, "name": unit["name"]}
                )
            if code in seen_units:
                errors.append(
                    _("The unit code %(code)s already appears on line %(line)s.")
                    % {"code": code, "line": seen_units[code]}
                )
            if not root_code:
                errors.append(_("The jurisdiction root unit code is empty."))
            elif root is None:
                errors.append(
                    _("Unknown jurisdiction root unit code %(code)s.") % {"code": root_code}
                )
            for checked in (unit, root):
                if checked is not None and checked["pk"] not in dispatch:
                    errors.append(
                        _("The unit %(code)s (%(name)s) is outside your jurisdiction.")
                        % {"code": checked["code"], "name": checked["name"]}
                    )
            if not issuer:
                errors.append(_("The issuer code is empty."))
            elif len(issuer) > ISSUER_MAX:
                errors.append(too_long(_("The issuer code"), issuer, ISSUER_MAX))
            elif issuer in seen_issuers:
                errors.append(
                    _("The issuer code %(issuer)s already appears on line %(line)s.")
                    % {"issuer": issuer, "line": seen_issuers[issuer]}
                )
            elif holders.get(issuer, code) != code:
                errors.append(
                    _("The issuer code %(issuer)s belongs to another organization department.")
                    % {"issuer": issuer}
                )
            seen_units.setdefault(code, line)
            seen_issuers.setdefault(issuer, line)
            department = departments.get(code)
            contact = _contact(row, given[line], department, errors)
            if department is None:
                action = Action.CREATE
            elif (department["jurisdiction__code"], department["issuer_code"], *contact) == (
                root_code,
                issuer,
                *(department[key] for key in CONTACT),
            ):
                action = Action.UNCHANGED
            else:
                action = Action.UPDATE
            if (
                not errors
                and department is not None
                and department["jurisdiction__code"] != root_code
            ):
                refusal = jurisdiction_change_refusal(
                    department_id=department["pk"],
                    department_name=unit["name"],
                    root_path=root["path"],
                    root_name=root["name"],
                )
                if refusal:
                    errors.append(refusal)
            changes = []
            if action == Action.UPDATE:
                field = OrgDepartment._meta.get_field
                changes = differences(
                    [
                        (
                            field("jurisdiction").verbose_name,
                            department["jurisdiction__code"],
                            root_code,
                            {
                                department["jurisdiction__code"]: department["jurisdiction__name"],
                                root_code: root["name"] if root else root_code,
                            }.get,
                        ),
                        (field("issuer_code").verbose_name, department["issuer_code"], issuer),
                        *(
                            (field(key).verbose_name, department[key], value)
                            for key, value in zip(CONTACT, contact, strict=True)
                        ),
                    ]
                )
            yield RowOutcome(
                line=line,
                key=code[:255],
                action=Action.ERROR if errors else action,
                raw=row,
                errors=errors,
                changes=changes,
                data={
                    "pk": department["pk"] if department else None,
                    "unit": unit["pk"] if unit else None,
                    "jurisdiction": root["pk"] if root else None,
                    "issuer_code": issuer,
                    **dict(zip(CONTACT, contact, strict=True)),
                },
            )

    def apply(self, actor, outcomes, progress):
        created, updated = [], []
        for outcome in outcomes:
            data = outcome.data
            if outcome.action == Action.CREATE:
                created.append(
                    OrgDepartment(
                        unit_id=data["unit"],
                        jurisdiction_id=data["jurisdiction"],
                        issuer_code=data["issuer_code"],
                        **{key: data.get(key, "") for key in CONTACT},
                    )
                )
            elif outcome.action == Action.UPDATE:
                updated.append(
                    OrgDepartment(
                        pk=data["pk"],
                        jurisdiction_id=data["jurisdiction"],
                        issuer_code=data["issuer_code"],
                        **{key: data.get(key, "") for key in CONTACT},
                    )
                )
        OrgDepartment.objects.bulk_update(
            updated, ["jurisdiction", "issuer_code", *CONTACT], batch_size=500
        )
        OrgDepartment.objects.bulk_create(created, batch_size=500)
        progress(len(created) + len(updated))


def _contact(row, given, department, errors) -> tuple[str, str]:
    """(contact person, contact phone) the row gives the department: a column the file
    leaves out keeps the department's value (none for a new one); a phone that is no
    phone number, or a name too long, is a row error."""
    kept = {key: department[key] if department else "" for key in CONTACT}
    person, phone = (row[key] if key in given else kept[key] for key in CONTACT)
    if len(person) > CONTACT_MAX:
        errors.append(too_long(_("The contact person"), person, CONTACT_MAX))
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            errors.extend(exc.messages)
    return person, phone
