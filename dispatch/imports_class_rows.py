"""How a row of the classes import (`dispatch.imports_classes`) finds the class it means —
by its number or by its key, name + start date + institution — and what else it meets:
the institution's capacity on those dates, and another class it would make a twin of
(`dispatch.twins`), in the database or written by an earlier row of the file."""

import datetime as dt

from django.utils.translation import gettext as _

from core.formatting import format_date
from dispatch import capacity
from dispatch.import_cells import parse_int
from dispatch.models import TrainingClass
from dispatch.twins import class_twin_message


def class_key(name: str, start: dt.date, institution_id: int) -> str:
    return f"{name}|{start.isoformat()}|{institution_id}"


def numbered_class(raw: str, errors: list, context) -> list[TrainingClass] | None:
    """The class a row names by its number ([the class]), or None for a row without one;
    an unknown number or a class organized outside the importer's reach is an error
    (and []). Rows with a number are not told apart by their name and dates; one making
    its class the twin of another is refused in the preview (`twin_refusal`) and, should
    the database have changed since, as it is written (`class_save_audited`)."""
    if not raw:
        return None
    number = parse_int(raw)
    klass = context["numbered"].get(number) if number else None
    if klass is None:
        errors.append(_("No class has the number “%(number)s”.") % {"number": raw})
        return []
    if klass.organizer.unit_id not in context["reach"]:
        errors.append(
            _("Class number %(number)s is organized outside your jurisdiction.")
            % {"number": number}
        )
        return []
    return [klass]


def class_by_key(line, name, start, institution, errors, context) -> list[TrainingClass]:
    """The class a row without a number names by its key, name + start date +
    institution ([the class], or [] for a new one); [] after an error: several classes
    with the key, one outside the importer's reach, the key twice in the file."""
    if institution is None or not start or not name:
        return []
    key = class_key(name, start, institution.pk)
    found = context["existing"].get(key, [])
    before = len(errors)
    if len(found) > 1:
        errors.append(
            _(
                "%(count)s classes named %(name)s start on %(date)s at this "
                "institution; the row cannot tell which one it means."
            )
            % {"count": len(found), "name": name, "date": format_date(start)}
        )
    elif found and found[0].organizer.unit_id not in context["reach"]:
        errors.append(
            _("The class %(name)s is organized outside your jurisdiction.") % {"name": name}
        )
    if key in context["first_line"]:
        errors.append(
            _(
                "The class %(name)s starting on %(date)s appears twice in the file "
                "(also on line %(line)s)."
            )
            % {"name": name, "date": format_date(start), "line": context["first_line"][key]}
        )
    else:
        context["first_line"][key] = line
    return [] if len(errors) > before else found


def twin_refusal(line, name, start, end, institution, found, context) -> str | None:
    """Why the row would make a class the twin of another (`dispatch.twins`: the same
    name, institution and dates) — a class in the database, named as the commit would
    name it, or a class an earlier row of the file writes — so the preview says what the
    commit would refuse. None when it would not."""
    pk = found[0].pk if found else None
    for klass in context["existing"].get(class_key(name, start, institution.pk), []):
        if klass.end_date == end and klass.pk != pk:
            return class_twin_message(klass)
    first = context["twin_line"].setdefault((name, institution.pk, start, end), line)
    if first == line:
        return None
    return _(
        "Line %(line)s of the file gives another class this name, institution and these "
        "dates: two classes alike would split their dispatches."
    ) % {"line": first}


def by_code_or_name(objects, code_of) -> tuple[dict, dict]:
    """({code: object}, {name: [objects]}) of institutions or organization departments,
    read by their codes or their units' names."""
    by_code, by_name = {}, {}
    for obj in objects:
        by_code[code_of(obj)] = obj
        by_name.setdefault(obj.unit.name, []).append(obj)
    return by_code, by_name


def resolve(value: str, lookups) -> tuple:
    """(the object a cell names by its code or, failing that, its unit's name, or None;
    how many share that name)."""
    by_code, by_name = lookups
    if value in by_code:
        return by_code[value], 1
    found = by_name.get(value, [])
    return (found[0] if len(found) == 1 else None), len(found)


def capacity_refusal(context, institution, name, start, end, quota, found) -> str | None:
    """The institution's capacity (`dispatch.capacity`, the class page's rule) for a row
    that creates or changes a class, counting the file's earlier rows there on
    overlapping dates by their new figures — and their classes in the database, as they
    stand before the import or as the commit has just written them, not again. Only
    institutions with a capacity cost queries (three) per row."""
    # The classes the earlier rows and this one change, where and when they were before
    # the import and where and when the rows put them (a row may move its class to other
    # dates or another institution; the commit may have written it already).
    moved = context.setdefault("moved", [])
    if found:
        was = (found[0].institution_id, found[0].start_date, found[0].end_date)
        moved.append((found[0].pk, was, (institution.pk, start, end)))
    if not institution.capacity:
        return None
    earlier = context.setdefault("seats_in_file", {}).setdefault(institution.pk, [])
    in_file = sum(n for _name, s, e, n, _new in earlier if s <= end and e >= start)
    # The classes earlier rows create, once written, by their name and start date (no
    # class had them before the import: such a row would have updated it).
    keys = {(row_name, s) for row_name, s, _e, _n, new in earlier if new and s <= end}
    written = (
        [
            pk
            for pk, row_name, s in TrainingClass.objects.filter(
                institution=institution,
                name__in={row_name for row_name, _s in keys},
                start_date__lte=end,
                end_date__gte=start,
            ).values_list("pk", "name", "start_date")
            if (row_name, s) in keys
        ]
        if keys
        else []
    )
    here = [
        pk
        for pk, *places in moved
        if any(at == institution.pk and s <= end and e >= start for at, s, e in places)
    ]
    refusal = capacity.capacity_refusal(
        institution,
        start,
        end,
        quota,
        also_taken=in_file,
        exclude_classes=[*written, *here],
    )
    if refusal is None:
        earlier.append((name, start, end, quota, not found))
    elif found:
        moved.pop()
    return refusal
