"""The import kind of the unit tree (imports.kinds).

Units arrive by code with their parent's code, in any row order: the file's parents are
resolved first, then the database's, so a cycle (also one through units the file moves)
and an unknown parent are row errors; rows are applied parent before child. Only a
superuser creates or changes a top-level unit; anyone else needs `issue_dispatch` on the
unit (when it exists) and on its parent (when it is created, moved or changed), as
`org.services.unit_save` asks, and a unit bearing an organization department or an
institution keeps its kind (`org.services.units_held_to_kind`)."""

from itertools import groupby

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.kinds import Action, Column, ImportKind, RowOutcome, differences
from org import policy
from org.imports_common import (
    Reach,
    cells,
    choice_labels,
    choice_lookup,
    too_long,
    units_by_code,
)
from org.models import PATH_SEGMENT, Unit, UnitKind
from org.policy import is_dispatcher
from org.services import unit_kind_refusal, units_held_to_kind

CODE_MAX = Unit._meta.get_field("code").max_length
NAME_MAX = Unit._meta.get_field("name").max_length


def _is_system_or_superuser(actor) -> bool:
    return actor is None or actor.is_superuser


class UnitImport(ImportKind):
    slug = "units"
    label = gettext_lazy("Units")
    order = 10
    description = gettext_lazy(
        "The unit tree by code: each row names its parent unit by code (empty for a "
        "top-level unit, which only an administrator may create). Rows may come in any "
        "order; a unit already registered is updated by its code."
    )
    columns = [
        Column(
            "code",
            gettext_lazy("Unit code"),
            required=True,
            example="xx-fgw",
            help=gettext_lazy("Unique code of the unit, at most 32 characters."),
        ),
        Column(
            "name",
            gettext_lazy("Unit name"),
            required=True,
            example="XX市发展和改革委员会",
            help=gettext_lazy("Full name of the unit, at most 128 characters."),
        ),
        Column(
            "kind",
            gettext_lazy("Unit kind"),
            required=True,
            example="国家机关",
            help=gettext_lazy(
                "One of: 党的机关、国家机关、国有企业、事业单位、组织部门、培训机构."
            ),
        ),
        Column(
            "parent",
            gettext_lazy("Parent unit code"),
            example="xx",
            help=gettext_lazy(
                "Code of the unit above it, registered or in this file; empty for a top-level unit."
            ),
        ),
    ]

    def may_import(self, user) -> bool:
        return is_dispatcher(user)

    def check(self, actor, rows):
        rows = [(line, cells(self.columns, row)) for line, row in rows]
        kinds = choice_lookup(UnitKind)
        dispatch = Reach(actor, "issue_dispatch")
        top_allowed = _is_system_or_superuser(actor)
        outcomes: dict[int, RowOutcome] = {}
        entries: dict[str, tuple[int, dict]] = {}  # code → first line, row
        existing = units_by_code(
            {row["code"] for _line, row in rows} | {row.get("parent", "") for _l, row in rows},
            fields=(
                "pk",
                "code",
                "name",
                "kind",
                "path",
                "parent_id",
                "parent__code",
                "parent__name",
            ),
        )
        file_codes = {row["code"] for _line, row in rows}
        for line, row in rows:
            code, name, parent = row["code"], row["name"], row.get("parent", "")
            errors = []
            if not code:
                errors.append(_("The unit code is empty."))
            elif len(code) > CODE_MAX:
                errors.append(too_long(_("The unit code"), code, CODE_MAX))
            elif code in entries:
                errors.append(
                    _("The unit code %(code)s already appears on line %(line)s.")
                    % {"code": code, "line": entries[code][0]}
                )
            if not name:
                errors.append(_("The unit name is empty."))
            elif len(name) > NAME_MAX:
                errors.append(too_long(_("The unit name"), name, NAME_MAX))
            kind = kinds.get(row["kind"].lower())
            if kind is None:
                errors.append(
                    _("Unknown unit kind %(kind)s; use one of: %(kinds)s.")
                    % {"kind": row["kind"] or "—", "kinds": choice_labels(UnitKind)}
                )
            if parent and parent == code:
                errors.append(_("The unit %(code)s cannot be its own parent.") % {"code": code})
            elif parent and parent not in existing and parent not in file_codes:
                errors.append(_("Unknown parent unit code %(code)s.") % {"code": parent})
            row["kind_value"] = kind
            outcomes[line] = RowOutcome(line=line, key=code[:255], action=Action.ERROR, raw=row)
            outcomes[line].errors = errors
            if code and code not in entries and len(code) <= CODE_MAX:
                entries[code] = (line, row)

        in_file_ids = {existing[c]["pk"]: c for c in entries if c in existing}
        held = units_held_to_kind(in_file_ids)

        def next_in_file(code):
            """The next unit of the file on `code`'s way up, or None."""
            parent = entries[code][1].get("parent", "")
            if not parent or parent == code:
                return None
            if parent in entries:
                return parent
            unit = existing.get(parent)
            if unit is None:
                return None
            ancestors = [int(part) for part in unit["path"].strip("/").split("/") if part]
            for pk in reversed(ancestors):
                if pk in in_file_ids:
                    return in_file_ids[pk]
            return None

        moving = {
            existing[c]["pk"]
            for c, (_line, r) in entries.items()
            if c in existing and (existing[c]["parent__code"] or "") != r.get("parent", "")
        }

        def path_ids(unit) -> list[int]:
            return [int(part) for part in unit["path"].strip("/").split("/") if part]

        def landing_path(parent: str) -> str:
            """The path of the nearest unit on a moved unit's new way up whose place the
            file leaves as it is ("" at the top): jurisdictions above it stay above."""
            code = parent
            for _step in range(len(entries) + 1):
                unit = existing.get(code) if code else None
                if not code or (unit is not None and not moving.intersection(path_ids(unit))):
                    break
                if unit is None or unit["pk"] in moving:
                    code = entries[code][1].get("parent", "") if code in entries else ""
                else:  # in place, but an ancestor of it moves: go up to that one
                    code = in_file_ids[next(p for p in reversed(path_ids(unit)) if p in moving)]
            return existing[code]["path"] if code in existing else ""

        def way_up(code) -> list[str]:
            """The codes from `code`'s parent up to the next unit of the file, registered
            units between them too (to name a cycle: rare, so they are looked up)."""
            parent, following = entries[code][1].get("parent", ""), next_in_file(code)
            if parent in entries or following is None:
                return [parent]
            upward = list(reversed(path_ids(existing[parent])))
            between = upward[: upward.index(existing[following]["pk"])]
            codes = dict(Unit.objects.filter(pk__in=between).values_list("pk", "code"))
            return [*(codes[pk] for pk in between), following]

        rank: dict[str, int] = {}
        cycles: dict[str, str] = {}
        for start in entries:
            chain, cur = [], start
            while cur is not None and cur not in rank and cur not in chain:
                chain.append(cur)
                cur = next_in_file(cur)
            if cur is not None and cur in chain:
                loop = chain[chain.index(cur) :]
                shown = " → ".join([cur, *(step for code in loop for step in way_up(code))])
                for code in chain:
                    cycles[code] = shown
                    rank[code] = 0
                continue
            base = -1 if cur is None else rank[cur]
            for code in reversed(chain):
                base += 1
                rank[code] = base

        for code, (line, row) in entries.items():
            outcome = outcomes[line]
            errors = outcome.errors
            if code in cycles:
                errors.append(
                    _("The parent units of %(code)s form a cycle: %(cycle)s.")
                    % {"code": code, "cycle": cycles[code]}
                )
            parent = row.get("parent", "")
            unit = existing.get(code)
            if unit is not None and unit["pk"] not in dispatch:
                errors.append(
                    _("The unit %(code)s (%(name)s) is outside your jurisdiction.")
                    % {"code": code, "name": unit["name"]}
                )
            if unit is not None and row["kind_value"]:
                refusal = unit_kind_refusal(
                    code, unit["name"], row["kind_value"], held.get(unit["pk"])
                )
                if refusal:
                    errors.append(refusal)
            if unit is None:
                action = Action.CREATE
            elif (unit["name"], unit["kind"], unit["parent__code"] or "") == (
                row["name"],
                row["kind_value"],
                parent,
            ):
                action = Action.UNCHANGED
            else:
                action = Action.UPDATE
            if action != Action.UNCHANGED:
                if not parent and not top_allowed:
                    errors.append(
                        _("Only an administrator may create or change a top-level unit (%(code)s).")
                        % {"code": code}
                    )
                elif parent and parent not in entries and parent in existing:
                    if existing[parent]["pk"] not in dispatch:
                        errors.append(
                            _("The parent unit %(code)s (%(name)s) is outside your jurisdiction.")
                            % {"code": parent, "name": existing[parent]["name"]}
                        )
            if not errors and unit is not None and (unit["parent__code"] or "") != parent:
                refusal = policy.unit_move_refusal(
                    unit["path"], landing_path(parent), row["name"] or unit["name"]
                )
                if refusal:
                    errors.append(refusal)
            outcome.action = Action.ERROR if errors else action
            if outcome.action == Action.UPDATE:
                outcome.changes = _unit_changes(unit, row, entries, existing)
            outcome.data = {
                "code": code,
                "name": row["name"],
                "kind": row["kind_value"],
                "parent": parent,
                "old_parent": (unit["parent__code"] or "") if unit else "",
                "pk": unit["pk"] if unit else None,
                "rank": rank.get(code, 0),
            }

        # A row whose parent (in the file) has an error cannot be written either.
        for code, (line, row) in sorted(entries.items(), key=lambda item: rank[item[0]]):
            parent = row.get("parent", "")
            if parent in entries and parent != code and code not in cycles:
                parent_line = entries[parent][0]
                if outcomes[parent_line].errors and not outcomes[line].errors:
                    outcomes[line].errors.append(
                        _("Its parent unit %(code)s has errors on line %(line)s.")
                        % {"code": parent, "line": parent_line}
                    )
                    outcomes[line].action = Action.ERROR
        for outcome in outcomes.values():
            if outcome.errors:
                outcome.action = Action.ERROR
            outcome.raw = {
                key: outcome.raw.get(key, "") for key in ("code", "name", "kind", "parent")
            }
            yield outcome

    def apply(self, actor, outcomes, progress):
        rows = [o.data for o in outcomes if o.action in (Action.CREATE, Action.UPDATE)]
        rows.sort(key=lambda data: data["rank"])
        codes = {data["code"] for data in rows} | {data["parent"] for data in rows}
        known = {c: (u["pk"], u["path"]) for c, u in units_by_code(codes).items()}
        for _rank, level in groupby(rows, key=lambda data: data["rank"]):
            level = list(level)
            moved = [d for d in level if d["pk"] and d["parent"] != d["old_parent"]]
            for data in moved:
                unit = Unit.objects.get(pk=data["pk"])
                unit.name, unit.kind = data["name"], data["kind"]
                unit.parent_id = known[data["parent"]][0] if data["parent"] else None
                unit.save()  # rewrites the subtree's paths in one statement
            if moved:
                known = {c: (u["pk"], u["path"]) for c, u in units_by_code(known).items()}
            changed = [
                Unit(pk=d["pk"], name=d["name"], kind=d["kind"])
                for d in level
                if d["pk"] and d["parent"] == d["old_parent"]
            ]
            Unit.objects.bulk_update(changed, ["name", "kind"], batch_size=500)
            created = Unit.objects.bulk_create(
                [
                    Unit(
                        code=d["code"],
                        name=d["name"],
                        kind=d["kind"],
                        parent_id=known[d["parent"]][0] if d["parent"] else None,
                    )
                    for d in level
                    if not d["pk"]
                ],
                batch_size=500,
            )
            parents = {d["code"]: d["parent"] for d in level}
            for unit in created:
                parent_path = known[parents[unit.code]][1] if unit.parent_id else ""
                # what Unit.save computes: the parent's path and the unit's own id
                unit.path = f"{parent_path}{unit.pk:0{PATH_SEGMENT}d}/"
                unit.depth = unit.path.count("/") - 1
                known[unit.code] = (unit.pk, unit.path)
            Unit.objects.bulk_update(created, ["path", "depth"], batch_size=500)
            progress(len(level))


def _unit_changes(unit, row, entries, existing) -> list[list[str]]:
    """What updating `unit` (as registered) to `row` changes: parents by name, the
    new one's as the file names it when the file holds it."""
    parent = row.get("parent", "")
    names = {unit["parent__code"] or "": unit["parent__name"]}
    if parent in entries:
        names[parent] = entries[parent][1]["name"]
    elif parent in existing:
        names[parent] = existing[parent]["name"]
    field = Unit._meta.get_field
    return differences(
        [
            (field("name").verbose_name, unit["name"], row["name"]),
            (field("kind").verbose_name, unit["kind"], row["kind_value"], _kind_label),
            (field("parent").verbose_name, unit["parent__code"] or "", parent, names.get),
        ]
    )


def _kind_label(value) -> str:
    return UnitKind(value).label if value in UnitKind.values else value
