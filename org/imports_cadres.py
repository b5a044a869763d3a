"""Import kind of cadres (imports.kinds), by ID number.

The rules are those of `org.services.cadre_save` and `org.policy`, applied to a whole
file set-based: rows are judged in batches of 2,000, with one query per batch for the
cadres already registered and the units named, and the importer's reach fetched once.

* The importer keeps the records of a unit (a dispatcher of its jurisdiction or its
  liaison) for the cadre's unit, and for the old unit of a cadre who moves.
* The managing and co-managing organization departments are named by their **issuer
  code** (发文代字, e.g. X组通; unique and printed on every document). An empty cell keeps
  the cadre's current department — for a new cadre, the department with the narrowest
  jurisdiction over the unit, as for a cadre a liaison registers; 无 removes a
  co-managing department. Only a dispatcher whose jurisdiction holds the unit may change
  them, among `policy.choosable_departments`.
* An ID number registered for a cadre outside the importer's reach gets the neutral
  refusal of `policy.id_number_refusal`: nobody learns that it exists elsewhere.
* A cadre whose unit changes keeps the old unit in their history (`CadreTransfer`).
* The day a cadre was flagged as an outstanding young cadre (from which the rotation
  through training is due) follows `models.young_cadre_since_refusal`, as on the form; a
  cadre the file unflags without that column loses the day with the flag.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.kinds import Action, Column, ImportKind, RowOutcome, differences
from org import idnumber, policy, selectors
from org.imports_common import (
    BATCH,
    Reach,
    batches,
    cells,
    choice_labels,
    choice_lookup,
    holds_any,
    parse_date,
    parse_flag,
    too_long,
    units_by_code,
)
from org.models import (
    Cadre,
    CadreCategory,
    CadreTransfer,
    Gender,
    OrgDepartment,
    TransferSource,
    young_cadre_since_refusal,
)
from org.signals import cadres_changed

#: a value in the ID number column up to this long is shown as typed, not masked
SHOWN_AS_TYPED = 8
NAME_MAX = Cadre._meta.get_field("name").max_length
POSITION_MAX = Cadre._meta.get_field("position").max_length
RANK_MAX = Cadre._meta.get_field("rank").max_length
NONE_WORDS = {"无", "none", "-"}
GENDERS = {"男": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE}
GENDERS |= {"女": Gender.FEMALE, "f": Gender.FEMALE, "female": Gender.FEMALE}

#: the fields an import writes, in the order of `data`
FIELDS = {
    "name": "name",
    "gender": "gender",
    "unit": "unit_id",
    "category": "category",
    "position": "position",
    "rank": "rank",
    "lead": "is_leadership_member",
    "young": "is_young_cadre",
    "young_since": "young_cadre_since",
    "managing": "managing_org_department_id",
    "co": "co_managing_org_department_id",
}


class _Context:
    """What the importer reaches and the departments, fetched once per check."""

    def __init__(self, actor):
        self.actor = actor
        self.system = actor is None or actor.is_superuser
        self.keeps = Reach(actor, *policy.CADRE_KEEPERS)
        self.dispatch = Reach(actor, "issue_dispatch")
        self.categories = choice_lookup(CadreCategory)
        self.departments = {
            d["pk"]: d
            for d in OrgDepartment.objects.values(
                "pk",
                "issuer_code",
                "unit__name",
                "unit__path",
                "jurisdiction__name",
                "jurisdiction__path",
                "jurisdiction__depth",
            )
        }
        self.by_issuer = {d["issuer_code"]: d["pk"] for d in self.departments.values()}
        if self.system:
            self.choosable_managing = self.choosable_co = None
        else:
            self.choosable_managing = set(
                policy.choosable_departments(actor, managing=True).values_list("pk", flat=True)
            )
            self.choosable_co = set(
                policy.choosable_departments(actor, managing=False).values_list("pk", flat=True)
            )
        self.today = timezone.localdate()
        self.units: dict[str, dict] = {}
        self._nearest: dict[int, int | None] = {}

    def load_units(self, codes):
        missing = {code for code in codes if code and code not in self.units}
        self.units.update(units_by_code(missing, fields=("pk", "code", "name", "path")))

    def nearest(self, unit) -> int | None:
        """`policy.nearest_org_department`, from the departments in memory."""
        if unit["pk"] not in self._nearest:
            holding = [
                d
                for d in self.departments.values()
                if unit["path"].startswith(d["jurisdiction__path"])
            ]
            holding.sort(key=lambda d: (-d["jurisdiction__depth"], d["unit__path"]))
            self._nearest[unit["pk"]] = holding[0]["pk"] if holding else None
        return self._nearest[unit["pk"]]

    def may_choose(self, pk, managing: bool) -> bool:
        allowed = self.choosable_managing if managing else self.choosable_co
        return allowed is None or pk in allowed


class CadreImport(ImportKind):
    slug = "cadres"
    label = gettext_lazy("Cadres")
    order = 30
    description = gettext_lazy(
        "Cadres by ID number: a registered cadre is updated, and keeps the old unit in "
        "the history when the unit changes. Organization departments are named by their "
        "issuer code; an empty cell keeps the current one (a new cadre is managed by the "
        "department with the narrowest jurisdiction over the unit); only a dispatcher of "
        "the unit's jurisdiction may change them."
    )
    columns = [
        Column(
            "id_number",
            gettext_lazy("ID number"),
            required=True,
            masked=True,
            aliases=("身份证号", "公民身份号码"),
            example="110101198005170118",
            help=gettext_lazy("18 characters, checked by GB 11643; write it as text."),
        ),
        Column("name", gettext_lazy("Name"), required=True, example="王堃"),
        Column(
            "gender",
            gettext_lazy("Gender"),
            example="男",
            help=gettext_lazy("男 or 女; empty: taken from the ID number."),
        ),
        Column(
            "unit",
            gettext_lazy("Unit code"),
            required=True,
            example="xx-fgw",
            help=gettext_lazy("Code of the cadre's unit, as in the unit import."),
        ),
        Column(
            "category",
            gettext_lazy("Category"),
            required=True,
            example="乡科级领导干部",
            help=gettext_lazy("One of the cadre categories of the indicators."),
        ),
        Column("position", gettext_lazy("Position"), required=True, example="科长"),
        Column("rank", gettext_lazy("Rank"), example="一级主任科员"),
        Column(
            "managing",
            gettext_lazy("Managing department (issuer code)"),
            example="X组通",
            help=gettext_lazy(
                "Issuer code of the managing organization department; empty keeps the current one."
            ),
        ),
        Column(
            "co",
            gettext_lazy("Co-managing department (issuer code)"),
            help=gettext_lazy(
                "Only for dual-managed cadres; empty keeps the current one, 无 removes it."
            ),
        ),
        Column(
            "lead",
            gettext_lazy("Leadership-team member"),
            example="否",
            help=gettext_lazy("是 or 否 (empty: 否)."),
        ),
        Column(
            "young",
            gettext_lazy("Outstanding young cadre"),
            example="否",
            help=gettext_lazy("是 or 否 (empty: 否)."),
        ),
        Column(
            "young_since",
            capfirst(Cadre._meta.get_field("young_cadre_since").verbose_name),
            example="",
            help=gettext_lazy(
                "Only for an outstanding young cadre: the day they were flagged, from which "
                "the rotation through training is due, e.g. 2025-03-01 (not in the future). "
                "Empty: not recorded."
            ),
        ),
    ]

    def may_import(self, user) -> bool:
        # policy.may_edit_cadre(user), from the grants remembered for the request
        return user.is_superuser or holds_any(user, policy.CADRE_KEEPERS)

    def check(self, actor, rows):
        context = _Context(actor)
        seen: dict[str, int] = {}
        for chunk in batches(rows, BATCH):
            # The keys a row has are the file's columns (`cells` fills in the others).
            chunk = [(line, cells(self.columns, row), frozenset(row)) for line, row in chunk]
            numbers = {idnumber.normalize(row["id_number"]) for _line, row, _keys in chunk}
            numbers.discard("")
            existing = {
                c["id_number"]: c
                for c in Cadre.objects.filter(id_number__in=list(numbers)).values(
                    "pk",
                    "id_number",
                    "unit_id",
                    "unit__name",  # for the preview's changes
                    *[f for f in FIELDS.values() if f != "unit_id"],
                )
            }
            # A cadre of a unit whose records the importer keeps is in reach; whether
            # any other is, only the reach selector says (asked once per batch).
            readable = {n for n, c in existing.items() if c["unit_id"] in context.keeps}
            others = [n for n in existing if n not in readable]
            if others:
                readable.update(
                    selectors.cadres_in_reach(actor)
                    .filter(id_number__in=others)
                    .values_list("id_number", flat=True)
                )
            context.load_units(row["unit"] for _line, row, _keys in chunk)
            for line, row, keys in chunk:
                yield self._judge(context, line, row, keys, existing, readable, seen)

    def _judge(self, context, line, row, keys, existing, readable, seen) -> RowOutcome:
        errors: list[str] = []
        number = idnumber.normalize(row["id_number"])
        # The preview shows no ID number whole (README), nor one a digit short or long:
        # anything longer than a few characters is masked as pages mask ID numbers; a
        # short slip ("123") is shown, to be found and corrected.
        key = idnumber.mask(number[:40]) if len(number) > SHOWN_AS_TYPED else number
        outcome = RowOutcome(line=line, key=key, action=Action.ERROR, raw=row, errors=errors)
        valid_number = False
        if not number:
            errors.append(_("The ID number is empty."))
        else:
            try:
                idnumber.validate_id_number(number)
                valid_number = True
            except ValidationError as exc:
                errors.append(
                    _("ID number %(number)s: %(problem)s")
                    % {"number": key, "problem": exc.messages[0]}
                )
            if number in seen:
                errors.append(
                    _("The ID number %(number)s already appears on line %(line)s.")
                    % {"number": key, "line": seen[number]}
                )
            else:
                seen[number] = line
        old = existing.get(number)
        if old is not None and number not in readable:
            # Nothing more is said: not even whether the other cells are right.
            errors.append(policy.id_number_refusal_neutral())
            return outcome
        name = row["name"]
        if not name:
            errors.append(_("The name is empty."))
        elif len(name) > NAME_MAX:
            errors.append(too_long(_("The name"), name, NAME_MAX))
        gender = GENDERS.get(row.get("gender", "").lower())
        if row.get("gender") and gender is None:
            errors.append(
                _("Unknown gender %(gender)s; write 男 or 女.") % {"gender": row["gender"]}
            )
        elif valid_number:
            derived = Gender.MALE if idnumber.is_male(number) else Gender.FEMALE
            if gender is not None and gender != derived:
                errors.append(
                    _("The gender %(gender)s does not match the ID number.")
                    % {"gender": row["gender"]}
                )
            gender = derived
        category = context.categories.get(row["category"].lower())
        if category is None:
            errors.append(
                _("Unknown category %(category)s; use one of: %(categories)s.")
                % {"category": row["category"] or "—", "categories": choice_labels(CadreCategory)}
            )
        # A column the file does not have keeps an existing cadre's value: a file of the
        # required columns only must not clear ranks and flags it never mentions.
        position = row["position"]
        rank = row["rank"] if "rank" in keys or old is None else old["rank"]
        if not position:
            errors.append(_("The position is empty."))
        elif len(position) > POSITION_MAX:
            errors.append(too_long(_("The position"), position, POSITION_MAX))
        if len(rank) > RANK_MAX:
            errors.append(too_long(_("The rank"), rank, RANK_MAX))
        flags = {}
        for flag in ("lead", "young"):
            if flag not in keys and old is not None:
                flags[flag] = old[FIELDS[flag]]
                continue
            flags[flag] = parse_flag(row.get(flag, ""))
            if flags[flag] is None:
                errors.append(
                    _("Write 是 or 否 for “%(column)s”, not %(value)s.")
                    % {"column": self._header(flag), "value": row[flag]}
                )
        since = self._young_since(
            context, row, keys, old, flags["young"], errors, number if valid_number else ""
        )
        if old is not None and old["unit_id"] not in context.keeps:
            errors.append(
                _("You do not keep the records of the unit of the cadre %(number)s.")
                % {"number": key}
            )
        unit = self._unit(context, row["unit"], old, errors)
        managing = co = None
        if unit is not None:
            managing, co = self._departments(context, row, unit, old, errors)
        data = {
            "pk": old["pk"] if old else None,
            "id_number": number,
            "name": name,
            "gender": gender,
            "unit": unit["pk"] if unit else None,
            "category": category,
            "position": position,
            "rank": rank,
            "lead": flags["lead"],
            "young": flags["young"],
            "young_since": since.isoformat() if since else None,  # data is stored as JSON
            "managing": managing,
            "co": co,
            "old_unit": old["unit_id"] if old else None,
        }
        outcome.data = data
        if errors:
            return outcome
        if old is None:
            outcome.action = Action.CREATE
        elif all(old[field] == value for field, value in _written(data).items()):
            outcome.action = Action.UNCHANGED
        else:
            outcome.action = Action.UPDATE
            outcome.changes = _changes(context, old, data, unit)
        return outcome

    def _young_since(self, context, row, keys, old, young, errors, number=""):
        """The day flagged as an outstanding young cadre: the cell, or the cadre's own
        day when the file has no such column (none once the file unflags them)."""
        if "young_since" not in keys and old is not None:
            return old["young_cadre_since"] if young else None
        cell = row.get("young_since", "")
        if not cell:
            return None
        since = parse_date(cell)
        if since is None:
            errors.append(
                _(
                    "The %(field)s “%(value)s” is not a date; write it as 2027-03-01, "
                    "2027/3/1 or 2027年3月1日."
                )
                % {"field": Cadre._meta.get_field("young_cadre_since").verbose_name, "value": cell}
            )
            return None
        if young is not None:
            refusal = young_cadre_since_refusal(young, since, context.today, id_number=number)
            if refusal:
                errors.append(
                    _("%(field)s “%(value)s”: %(problem)s")
                    % {"field": self._header("young_since"), "value": cell, "problem": refusal}
                )
        return since

    def _header(self, key) -> str:
        return next(str(column.header) for column in self.columns if column.key == key)

    @staticmethod
    def _unit(context, code, old, errors):
        if not code:
            errors.append(_("The unit code is empty."))
            return None
        unit = context.units.get(code)
        if unit is None:
            errors.append(_("Unknown unit code %(code)s.") % {"code": code})
            return None
        if unit["pk"] not in context.keeps:
            if old is not None and old["unit_id"] != unit["pk"]:
                errors.append(
                    _("The cadre cannot move to %(code)s (%(name)s), outside your jurisdiction.")
                    % {"code": code, "name": unit["name"]}
                )
            else:
                errors.append(
                    _("The unit %(code)s (%(name)s) is outside your jurisdiction.")
                    % {"code": code, "name": unit["name"]}
                )
            return None
        return unit

    @staticmethod
    def _departments(context, row, unit, old, errors):
        """The managing and co-managing departments' ids (`cadre_save`'s rules)."""
        chooses = context.system or unit["pk"] in context.dispatch
        chosen = {}
        for field, managing in (("managing", True), ("co", False)):
            cell = row.get(field, "")
            current = old[FIELDS[field]] if old else None
            if not cell:
                value = current if old or not managing else context.nearest(unit)
            elif not managing and cell.lower() in NONE_WORDS:
                value = None
            elif cell in context.by_issuer:
                value = context.by_issuer[cell]
            else:
                errors.append(
                    _("Unknown organization department issuer code %(code)s.") % {"code": cell}
                )
                chosen[field] = None
                continue
            chosen[field] = value
            if not cell:
                continue
            refusal = policy.department_choice_refusal(
                managing=managing,
                chosen=value,
                current=current,
                chooses=chooses,
                nearest=context.nearest(unit) if old is None and managing else None,
                allowed=lambda pk, managing=managing: context.may_choose(pk, managing),
                unit_name=unit["name"],
            )
            if refusal:
                errors.append(refusal)
        managing, co = chosen["managing"], chosen["co"]
        if managing is None and "managing" in chosen and not errors:
            errors.append(_("No organization department has jurisdiction over this unit."))
        elif managing is not None:
            department = context.departments[managing]
            if not unit["path"].startswith(department["jurisdiction__path"]):
                errors.append(
                    _(
                        "%(department)s cannot manage a cadre of %(unit)s: its jurisdiction is "
                        "%(root)s and the units below it. Choose the organization department "
                        "whose jurisdiction holds the cadre's unit."
                    )
                    % {
                        "department": department["unit__name"],
                        "unit": unit["name"],
                        "root": department["jurisdiction__name"],
                    }
                )
        if co is not None and co == managing:
            errors.append(
                _("The co-managing organization department must differ from the managing one.")
            )
        return managing, co

    def apply(self, actor, outcomes, progress):
        changed_by = actor if getattr(actor, "is_authenticated", False) else None
        now = timezone.now()
        for chunk in batches(outcomes, BATCH):
            created, updated, transfers = [], [], []
            for outcome in chunk:
                data = outcome.data
                fields = _written(data)
                if outcome.action == Action.CREATE:
                    created.append((data["id_number"], *fields.values()))
                elif outcome.action == Action.UPDATE:
                    updated.append(Cadre(pk=data["pk"], **fields))
                    if data["old_unit"] != data["unit"]:
                        transfers.append(
                            CadreTransfer(
                                cadre_id=data["pk"],
                                from_unit_id=data["old_unit"],
                                to_unit_id=data["unit"],
                                changed_at=now,
                                changed_by=changed_by,
                                source=TransferSource.IMPORT,
                            )
                        )
            _insert(created)
            Cadre.objects.bulk_update(updated, list(FIELDS.values()), batch_size=500)
            if updated:  # names and categories others keep copies of (the new cadres
                # are counted by what keeps them: ledger.standings sees them missing)
                cadres_changed.send(Cadre, cadre_ids=[c.pk for c in updated], using="default")
            CadreTransfer.objects.bulk_create(transfers, batch_size=500)
            progress(len(chunk))


def _written(data) -> dict:
    """{Cadre field: value} that an outcome's `data` writes, in the order of FIELDS (the
    day flagged is kept in `data` as ISO text)."""
    fields = {field: data[key] for key, field in FIELDS.items()}
    since = fields["young_cadre_since"]
    fields["young_cadre_since"] = dt.date.fromisoformat(since) if since else None
    return fields


def _changes(context, old, data, unit) -> list[list[str]]:
    """What the update changes, by the cadre's field names: units and departments by
    name, choices by label, flags as 是/否, dates as dates."""
    new = _written(data)
    units = {old["unit_id"]: old["unit__name"], unit["pk"]: unit["name"]}
    shows = {
        "gender": lambda value: _label(Gender, value),
        "category": lambda value: _label(CadreCategory, value),
        "unit": units.get,
        "managing": lambda pk: context.departments[pk]["unit__name"],
        "co": lambda pk: context.departments[pk]["unit__name"],
    }
    return differences(
        (Cadre._meta.get_field(field).verbose_name, old[field], new[field], shows.get(key))
        for key, field in FIELDS.items()
    )


def _label(choices, value) -> str:
    return choices(value).label if value in choices.values else value


def _insert(rows: list[tuple]) -> None:
    """INSERT new cadres (id_number, then FIELDS' columns): the values are plain text,
    numbers and booleans, checked by `check`, so building 100,000 model instances for
    bulk_create would only cost time. PostgreSQL takes them with COPY (row by row INSERTs
    cost a round trip each), SQLite with one executemany. The database's constraints
    (unique ID number, its check character, foreign keys) still apply."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(Cadre._meta.db_table)
    columns = ", ".join(qn(column) for column in ("id_number", *FIELDS.values()))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * (len(FIELDS) + 1))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
