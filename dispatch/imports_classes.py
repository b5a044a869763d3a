"""The import kind of training classes ("班次", imports.kinds; registered by
dispatch.imports). A row may carry the class's number (班次编号, the first column of the
class list's download): it then updates that class, which must exist and be organized in
the importer's jurisdiction, and may change its name and dates, so a list exported,
edited and imported back moves its classes. A row without a number is recognised by its
natural key, name + start date + institution: a match updates the class (or leaves it
unchanged); otherwise the row creates one. The importer must be a dispatcher of the
organizing department (the rule of `dispatch.services.classes.training_class_save`), for
the class as it is and as the row would have it; the service's other rules hold too
(dates and hours kept once attended, dates a plan holds, sessions within the class).
Institution and organizer are written as their codes or as the names the class list
shows. Row errors reuse `TrainingClass.clean`'s messages."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import format_date
from dispatch import imports_class_rows as class_rows
from dispatch.import_cells import (
    choice_labels,
    choice_lookup,
    dispatcher_reach,
    parse_date,
    parse_decimal,
    parse_int,
    text,
    too_long,
    write_in_batches,
)
from dispatch.models import (
    BUSY_DISPATCH_STATUSES,
    ClassKind,
    Dispatch,
    Institution,
    TrainingClass,
)
from dispatch.policy import cancelled_refusal
from dispatch.services.classes import (
    attendance_recorded,
    class_save_audited,
    fixed_field_refusals,
    plan_holds,
    planned_fields_refusal,
    sessions_dates_refusal,
    sessions_refusal,
    trainees_clash_refusal,
    trainees_elsewhere,
)
from imports.kinds import Action, Column, ImportKind, RowOutcome, differences
from org.locks import lock_cadres
from org.models import OrgDepartment
from org.policy import is_dispatcher

_HOURS_FIELD = TrainingClass._meta.get_field("credit_hours")
# The class form's bound: what the field's digits hold (max_digits 6, one decimal: 99999.9).
CREDIT_HOURS_LIMIT = 10 ** (_HOURS_FIELD.max_digits - _HOURS_FIELD.decimal_places)


class ClassImport(ImportKind):
    slug = "classes"
    label = gettext_lazy("Training classes")
    order = 50
    description = gettext_lazy(
        "One row per training class. A row with a class number (the first column of the "
        "class list's download) updates that class, and may change its name and dates. A "
        "row without one is recognised by its name, start date and institution together: "
        "a row matching a class updates it, any other row creates a class. You need to be "
        "a dispatcher of the organizing organization department."
    )
    columns = [
        Column(
            "name",
            gettext_lazy("Class name"),
            required=True,
            aliases=("班次", "班次名称", "name"),
            example="2027年春季中青年干部培训班",
        ),
        Column(
            "institution",
            gettext_lazy("Institution unit code"),
            required=True,
            aliases=("培训机构", "培训机构代码", "institution"),
            example="xx-dx",
            help=gettext_lazy(
                "The institution's unit code, e.g. xx-dx, or its name as the class list shows it."
            ),
        ),
        Column(
            "organizer",
            gettext_lazy("Organizer issuer code"),
            required=True,
            aliases=("主办单位", "主办组织部门", "organizer"),
            example="X组通",
            help=gettext_lazy(
                "The organizing department's issuer code, e.g. X组通, or its name as the "
                "class list shows it."
            ),
        ),
        Column(
            "kind",
            gettext_lazy("Class kind"),
            aliases=("类型", "类别", "班次类型", "kind"),
            example="主体班",
            help=gettext_lazy("One of: %(kinds)s; empty means %(default)s.")
            % {"kinds": choice_labels(ClassKind), "default": ClassKind.MAIN.label},
        ),
        Column(
            "start",
            gettext_lazy("Start date"),
            required=True,
            aliases=("开班日期", "开始日期", "start"),
            example="2027-03-01",
            help=gettext_lazy("A date: 2027-03-01, 2027/3/1 or 2027年3月1日."),
        ),
        Column(
            "end",
            gettext_lazy("End date"),
            required=True,
            aliases=("结业日期", "结束日期", "end"),
            example="2027-03-05",
        ),
        Column(
            "report",
            gettext_lazy("Report date"),
            aliases=("报到日期", "report"),
            example="2027-03-01",
            help=gettext_lazy("Empty means the start date."),
        ),
        Column(
            "location",
            gettext_lazy("Location"),
            required=True,
            aliases=("地点", "培训地点", "location"),
            example="市委党校主楼",
        ),
        Column(
            "credit_hours",
            gettext_lazy("Credit hours"),
            required=True,
            aliases=("学时", "credit_hours"),
            example="40",
        ),
        Column(
            "days",
            gettext_lazy("Days"),
            aliases=("天数", "days"),
            example="5",
            help=gettext_lazy("Empty means every day from start to end."),
        ),
        Column(
            "quota",
            gettext_lazy("Seats"),
            required=True,
            aliases=("名额", "quota"),
            example="50",
        ),
        Column(
            "number",
            gettext_lazy("Class number"),
            aliases=("班次编号", "class_number"),
            help=gettext_lazy(
                "Empty for a new class. To change a class, its name and dates too, write "
                "its number: the first column of the class list's download."
            ),
        ),
    ]

    def may_import(self, user) -> bool:
        return is_dispatcher(user)

    def check(self, actor, rows):
        rows = [(line, {k: text(v) for k, v in row.items()}) for line, row in rows]
        values = {
            key: {row.get(key, "") for _line, row in rows} for key in ("institution", "organizer")
        }
        institutions = class_rows.by_code_or_name(
            Institution.objects.filter(
                Q(unit__code__in=values["institution"]) | Q(unit__name__in=values["institution"])
            ).select_related("unit"),
            lambda i: i.unit.code,
        )
        organizers = class_rows.by_code_or_name(
            OrgDepartment.objects.filter(
                Q(issuer_code__in=values["organizer"]) | Q(unit__name__in=values["organizer"])
            ).select_related("unit"),  # its name, for the preview's changes
            lambda d: d.issuer_code,
        )
        classes = TrainingClass.objects.select_related("organizer__unit", "institution__unit")
        classes = classes.annotate(
            sessions_total=Sum("sessions__hours"),
            first_session=Min("sessions__date"),
            last_session=Max("sessions__date"),
        )
        existing: dict[str, list[TrainingClass]] = {}
        for klass in classes.filter(
            name__in={row.get("name", "") for _line, row in rows},
            institution__in=[i.pk for i in institutions[0].values()]
            + [i.pk for found in institutions[1].values() for i in found],
        ):
            key = class_rows.class_key(klass.name, klass.start_date, klass.institution_id)
            existing.setdefault(key, []).append(klass)
        numbers = {parse_int(row.get("number", "")) for _line, row in rows} - {None}
        numbered = {k.pk: k for k in classes.filter(pk__in=numbers)} if numbers else {}
        known = [k for found in existing.values() for k in found] + list(numbered.values())
        reach = dispatcher_reach(
            actor,
            [d.unit_id for d in organizers[0].values()]
            + [d.unit_id for found in organizers[1].values() for d in found]
            + [k.organizer.unit_id for k in known],
        )
        context = {
            "institutions": institutions,
            "organizers": organizers,
            "existing": existing,
            "numbered": numbered,
            "attended": attendance_recorded(k.pk for k in known),
            "held": plan_holds([k.pk for k in known]),
            "elsewhere": trainees_elsewhere(k.pk for k in known),
            "reach": reach,
            "kinds": choice_lookup(ClassKind),
            "first_line": {},
            "first_line_of_class": {},
            "twin_line": {},
        }
        for line, row in rows:
            yield self._check_row(line, row, context)

    def _check_row(self, line, row, context) -> RowOutcome:
        name = row.get("name", "")
        outcome = RowOutcome(line=line, key=name, action=Action.ERROR, raw=row)
        errors = outcome.errors
        if not name:
            errors.append(_("The class name is empty."))
        elif len(name) > 128:
            errors.append(too_long(_("The class name"), name, 128))
        location = row.get("location", "")
        if not location:
            errors.append(_("The location is empty."))
        elif len(location) > 255:
            errors.append(too_long(_("The location"), location, 255))
        value = row.get("institution", "")
        institution, namesakes = class_rows.resolve(value, context["institutions"])
        if namesakes > 1:
            errors.append(
                _(
                    "%(count)s training institutions are named “%(name)s”; write the unit "
                    "code of the one you mean."
                )
                % {"count": namesakes, "name": value}
            )
        elif institution is None:
            errors.append(
                _("No training institution has the unit code “%(code)s”.") % {"code": value}
            )
        value = row.get("organizer", "")
        organizer, namesakes = class_rows.resolve(value, context["organizers"])
        if namesakes > 1:
            errors.append(
                _(
                    "%(count)s organization departments are named “%(name)s”; write the "
                    "issuer code of the one you mean."
                )
                % {"count": namesakes, "name": value}
            )
        elif organizer is None:
            errors.append(
                _("No organization department has the issuer code “%(code)s”.") % {"code": value}
            )
        elif organizer.unit_id not in context["reach"]:
            errors.append(
                _("Only the dispatchers of %(code)s may import its classes.")
                % {"code": organizer.issuer_code}
            )
        kind = context["kinds"].get(row.get("kind", "") or ClassKind.MAIN)
        if kind is None:
            errors.append(
                _("Unknown class kind “%(value)s”; write one of: %(kinds)s.")
                % {"value": row.get("kind", ""), "kinds": choice_labels(ClassKind)}
            )
        dates = {}
        for field, label in (
            ("start", _("start date")),
            ("end", _("end date")),
            ("report", _("report date")),
        ):
            value = row.get(field, "")
            if not value and field == "report":
                continue
            dates[field] = parse_date(value)
            if dates[field] is None:
                errors.append(
                    _(
                        "The %(field)s “%(value)s” is not a date; write it as 2027-03-01, "
                        "2027/3/1 or 2027年3月1日."
                    )
                    % {"field": label, "value": value}
                )
        numbers = {}
        for field, label, parse in (
            ("credit_hours", _("credit hours"), parse_decimal),
            ("days", _("days"), parse_int),
            ("quota", _("seats"), parse_int),
        ):
            value = row.get(field, "")
            if not value and field == "days":
                continue
            numbers[field] = parse(value)
            if numbers[field] is None:
                errors.append(
                    _("The %(field)s “%(value)s” is not a number.")
                    % {"field": label, "value": value}
                )
        hours = numbers.get("credit_hours")
        # The range first: quantizing a number of more digits than the decimal context
        # holds (1e30) raises. Hours not above zero are refused by TrainingClass.clean.
        if hours is not None and hours >= CREDIT_HOURS_LIMIT:
            errors.append(
                _("Credit hours must be below 100000 (%(value)s).")
                % {"value": row.get("credit_hours")}
            )
        elif hours is not None and hours > 0 and hours != hours.quantize(Decimal("0.1")):
            errors.append(
                _("Credit hours take at most one decimal place (%(value)s).")
                % {"value": row.get("credit_hours")}
            )
        start, end = dates.get("start"), dates.get("end")
        if start and end and "days" not in numbers and end >= start:
            numbers["days"] = (end - start).days + 1
        report = dates.get("report", start) if "report" in dates or start else None
        candidate = TrainingClass(
            name=name,
            start_date=start,
            end_date=end,
            report_date=report,
            credit_hours=hours,
            days=numbers.get("days"),
            quota=numbers.get("quota"),
        )
        try:
            candidate.clean()
        except ValidationError as exc:
            errors.extend(message for messages in exc.message_dict.values() for message in messages)
        if institution is not None and start and name:
            outcome.key = f"{name}（{format_date(start)}）"
        found = class_rows.numbered_class(row.get("number", ""), errors, context)
        if found is None:
            found = class_rows.class_by_key(line, name, start, institution, errors, context)
        if found:
            first = context["first_line_of_class"].setdefault(found[0].pk, line)
            if first != line:
                errors.append(
                    _(
                        "Class number %(number)s (%(name)s) appears twice in the file (also "
                        "on line %(line)s)."
                    )
                    % {"number": found[0].pk, "name": found[0].name, "line": first}
                )
        if not errors and (
            refusal := class_rows.twin_refusal(line, name, start, end, institution, found, context)
        ):
            errors.append(refusal)
        if errors:
            return outcome
        outcome.data = {
            "pk": found[0].pk if found else None,
            "name": name,
            "institution": institution.pk,
            "organizer": organizer.pk,
            "kind": kind,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "report_date": report.isoformat(),
            "location": location,
            "credit_hours": str(hours.quantize(Decimal("0.1"))),
            "days": numbers["days"],
            "quota": numbers["quota"],
        }
        unchanged = bool(found) and _class_values(found[0]) == _values(outcome.data)
        if found and not unchanged:
            # `require_class_allowed`'s rules, with what `check` asked for all classes.
            klass, values = found[0], _values(outcome.data)
            span = (klass.first_session, klass.last_session)
            attended = klass.pk in context["attended"]
            refusals = [
                cancelled_refusal(klass),
                *fixed_field_refusals(klass, values, attended=attended).values(),
                planned_fields_refusal(klass, values, held=context["held"]),
                # (a class without sessions sums to None: 0, or the service would ask again)
                sessions_refusal(klass, hours, sessions_total=klass.sessions_total or 0),
                sessions_dates_refusal(klass, start, end, sessions_span=span),
                # (only when its dates move, as the class page asks)
                trainees_clash_refusal(
                    klass, start, end, elsewhere=context["elsewhere"].get(klass.pk, [])
                )
                if (start, end) != (klass.start_date, klass.end_date)
                else "",
            ]
            errors.extend(refusal for refusal in refusals if refusal)
            if errors:
                return outcome
        if not unchanged:
            refusal = class_rows.capacity_refusal(
                context, institution, name, start, end, numbers["quota"], found
            )
            if refusal:
                errors.append(refusal)
                return outcome
        if not found:
            outcome.action = Action.CREATE
        elif unchanged:
            outcome.action = Action.UNCHANGED
        else:
            outcome.action = Action.UPDATE
            outcome.changes = _changes(found[0], outcome.data, organizer, institution)
        return outcome

    def apply(self, actor, outcomes, progress):
        def write(outcome):
            data = outcome.data
            klass = TrainingClass.objects.get(pk=data["pk"]) if data["pk"] else TrainingClass()
            for field, value in _values(data).items():
                setattr(klass, field, value)
            class_save_audited(actor=actor, training_class=klass)

        with transaction.atomic():
            # The trainees of every class the file moves, locked at once in key order
            # before any class row (as every booking path locks them), not class by class:
            # a roll call naming two of them must not wait for one while holding the other.
            # (A file of classes is read whole for it: a year's classes, not a million.)
            outcomes = list(outcomes)
            moved = [o.data["pk"] for o in outcomes if o.action == Action.UPDATE]
            lock_cadres(
                Dispatch.objects.filter(
                    training_class__in=moved, status__in=BUSY_DISPATCH_STATUSES
                ).values_list("cadre_id", flat=True)
            )
            write_in_batches(outcomes, progress, write)


CLASS_FIELDS = (
    "name",
    "institution_id",
    "organizer_id",
    "kind",
    "start_date",
    "end_date",
    "report_date",
    "location",
    "credit_hours",
    "days",
    "quota",
)


def _values(data) -> dict:
    return {
        "name": data["name"],
        "institution_id": data["institution"],
        "organizer_id": data["organizer"],
        "kind": data["kind"],
        "start_date": dt.date.fromisoformat(data["start_date"]),
        "end_date": dt.date.fromisoformat(data["end_date"]),
        "report_date": dt.date.fromisoformat(data["report_date"]),
        "location": data["location"],
        "credit_hours": Decimal(data["credit_hours"]),
        "days": data["days"],
        "quota": data["quota"],
    }


def _changes(klass, data, organizer, institution) -> list[list[str]]:
    """What updating `klass` to the row's `data` changes, by the class's field names:
    the institution and the organizer by name, the kind by its label."""
    organizers = {klass.organizer_id: klass.organizer.unit.name, organizer.pk: organizer.unit.name}
    institutions = {klass.institution_id: klass.institution.name, institution.pk: institution.name}
    shows = {
        "institution_id": institutions.get,
        "organizer_id": organizers.get,
        "kind": lambda value: ClassKind(value).label if value in ClassKind.values else value,
    }
    old, new = _class_values(klass), _values(data)
    return differences(
        (
            TrainingClass._meta.get_field(field).verbose_name,
            old[field],
            new[field],
            shows.get(field),
        )
        for field in CLASS_FIELDS
    )


def _class_values(klass) -> dict:
    return {field: getattr(klass, field) for field in CLASS_FIELDS}
