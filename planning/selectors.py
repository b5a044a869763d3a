"""Reads of dispatch plans, jurisdiction-filtered, at a flat number of queries."""

from collections import defaultdict

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from dispatch.models import Dispatch, DispatchStatus, RollCall
from notifications.reach import subject_in
from org import idnumber
from org.models import PathWithin
from org.selectors import cadres_in_reach, units_in_reach
from planning.models import (
    Consultation,
    LineMode,
    PartnerNomination,
    Plan,
    PlanAllocation,
    PlanLine,
    PlanSession,
    PlanStatus,
)


def plans_in_reach(user) -> QuerySet[Plan]:
    """Plans of the departments the user's jurisdiction reaches (read_scope)."""
    qs = Plan.objects.select_related("org_department__unit", "org_department__jurisdiction")
    if user.is_superuser:
        return qs
    return qs.filter(org_department__unit__in=units_in_reach(user))


def plan_for_user(user, pk) -> Plan | None:
    return plans_in_reach(user).filter(pk=pk).first()


def offered_lines(user) -> QuerySet[PlanLine]:
    """Published lines offering seats to a department whose dispatcher the user is."""
    return (
        PlanLine.objects.active()
        .filter(
            plan__status=PlanStatus.PUBLISHED,
            partner__unit__in=units_in_reach(user, "issue_dispatch"),
        )
        .select_related("plan__org_department__unit", "institution__unit", "partner__unit")
        .annotate(nominated=Count("partner_nominations"))
        .order_by("start_date", "pk")
    )


def offered_line_for_user(user, pk) -> PlanLine | None:
    return offered_lines(user).filter(pk=pk).first()


def offered_line_notes(line, most: int = 200) -> list[str]:
    """What the nominating dispatcher reads above the form: which department the seats
    are offered to, how many, and who has been nominated into them so far (the first
    `most`, and how many more)."""
    names = list(
        line.partner_nominations.order_by("pk").values_list("cadre__name", flat=True)[: most + 1]
    )
    notes = [
        gettext("Offered to %(department)s: %(seats)s seats.")
        % {"department": line.partner.unit.name, "seats": line.partner_seats}
    ]
    if names:
        shown = "、".join(names[:most])
        more = line.nominated - most if len(names) > most else 0
        notes.append(
            gettext("Nominated so far: %(names)s") % {"names": shown}
            + (gettext(" and %(count)s more") % {"count": more} if more else "")
        )
    return notes


def partner_nominees(user, line, keys: list[str]) -> tuple[list, list[str], list[str]]:
    """The cadres that `keys` (ID numbers or names) name among those the partner
    department's dispatcher may nominate into `line`: their own jurisdiction, nobody
    else's. Returns (cadres in the order of the keys, keys that name none of them, names
    that several of them share — to be given as ID numbers, as on a plan line), so a key
    naming a cadre elsewhere reads exactly like one naming nobody."""
    reach = cadres_in_reach(user, "issue_dispatch").filter(
        PathWithin(F("unit__path"), line.partner.jurisdiction.path)
    )
    # An ID number is matched as stored (its check character X upper case).
    numbers = {k: idnumber.normalize(k) for k in keys}
    found, by_name = {}, defaultdict(list)
    matching = Q(id_number__in=set(numbers.values())) | Q(name__in=keys)
    for cadre in reach.filter(matching).select_related("unit").order_by("pk"):
        found.setdefault(cadre.id_number, cadre)
        by_name[cadre.name].append(cadre)

    def named(key):
        if numbers[key] in found:
            return found[numbers[key]]
        namesakes = by_name.get(key, ())
        return namesakes[0] if len(namesakes) == 1 else None

    cadres = {named(k).pk: named(k) for k in keys if named(k)}
    shared = [k for k in dict.fromkeys(keys) if not named(k) and len(by_name.get(k, ())) > 1]
    missing = [k for k in keys if not named(k) and k not in shared]
    return list(cadres.values()), missing, shared


def line_for_user(user, pk) -> PlanLine | None:
    """A line of a plan in the user's reach."""
    return (
        PlanLine.objects.filter(pk=pk, plan__in=plans_in_reach(user))
        .select_related("plan__org_department__unit", "plan__org_department__jurisdiction")
        .first()
    )


def _plan_lines(plan) -> QuerySet[PlanLine]:
    """The plan's lines that count, by date, with what every reader of them shows."""
    in_class = {"training_class": OuterRef("training_class")}
    return (
        plan.lines.active()
        .select_related("institution__unit", "partner__unit", "training_class", "plan", "waiver")
        .prefetch_related(
            Prefetch("allocations", queryset=PlanAllocation.objects.select_related("unit"))
        )
        .annotate(
            named=Count("named_cadres", distinct=True),
            dispatched=Q(roll_call_started_at__isnull=False)
            | Q(carried_from__roll_call_started_at__isnull=False)
            | Exists(RollCall.objects.filter(**in_class))
            | Exists(Dispatch.objects.filter(**in_class)),
        )
        .order_by("start_date", "pk")
    )


def plan_lines(plan) -> list[PlanLine]:
    """The lines that count in the plan (not removed), each with `named` (cadres named)
    and `dispatched` (its class dispatched: see `planning.policy.line_dispatched`)."""
    return list(_plan_lines(plan).prefetch_related("sessions"))


def _session_count():
    return (
        PlanSession.objects.filter(line=OuterRef("pk"))
        .values("line")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )


def plan_lines_page(plan, number: int, per_page: int) -> Page:
    """One page of `plan_lines` (the last one past the end), as a list, each line with
    `session_count` (its planned sessions) instead of its sessions: three queries whatever
    the number of lines and of their allocations (the count, the lines, their allocations
    with their units)."""
    page = Paginator(plan_line_rows(plan), per_page).get_page(number)
    page.object_list = list(page.object_list)
    return page


def plan_line_rows(plan) -> QuerySet[PlanLine]:
    """Every line of `plan_lines_page`'s kind, for the plan's download."""
    return _plan_lines(plan).annotate(session_count=Coalesce(Subquery(_session_count()), 0))


def removed_lines(plan) -> QuerySet[PlanLine]:
    """The lines the dispatcher took out of the plan, with their reasons."""
    return plan.lines.removed().select_related("institution__unit").order_by("removed_at", "pk")


def plan_consultations(plan) -> QuerySet[Consultation]:
    """The plan's consultations, the latest round first."""
    return plan.consultations.select_related("unit", "answered_by").order_by(
        "-round", "unit__path", "pk"
    )


def consultation_rows(plan) -> list[Consultation]:
    return list(plan_consultations(plan))


def consultation_lines(consultation) -> list[tuple[PlanLine, int]]:
    """The lines a consultee is consulted on, each with the seats that concern it: an
    institution its classes (all their seats); a unit the seats allotted to it and its
    cadres named; a partner department the seats offered to it. Nothing else of the plan:
    a consultee outside the plan's reach (a partner) learns only its own part. One query."""
    unit = consultation.unit
    named = (
        PlanLine.named_cadres.through.objects.filter(planline=OuterRef("pk"), cadre__unit=unit)
        .values("planline")
        .annotate(n=Count("pk"))
        .values("n")
    )
    allotted = PlanAllocation.objects.filter(line=OuterRef("pk"), unit=unit).values("seats")
    lines = (
        consultation.plan.lines.active()
        .pending()
        .select_related("institution__unit", "partner")
        .annotate(
            named_here=Coalesce(Subquery(named[:1]), 0),
            allotted_here=Coalesce(Subquery(allotted[:1]), 0),
        )
        .order_by("start_date", "pk")
    )
    rows = []
    for line in lines:
        if line.institution.unit_id == unit.pk:
            rows.append((line, line.seats))
            continue
        offered = line.partner_seats if line.partner and line.partner.unit_id == unit.pk else 0
        seats = line.allotted_here + line.named_here + offered
        if seats:
            rows.append((line, seats))
    return rows


def plan_versions(plan) -> QuerySet[Plan]:
    """Every version of the plan's department's plan for its year, the latest first."""
    return (
        Plan.objects.filter(org_department=plan.org_department, year=plan.year)
        .select_related("created_by", "approved_by")
        .order_by("-version")
    )


def plan_nominations(plan) -> QuerySet[PartnerNomination]:
    """The cadres partner departments named into the plan's offered seats, by line."""
    return (
        PartnerNomination.objects.filter(line__plan=plan)
        .select_related("cadre__unit", "line")
        .order_by("line", "pk")
    )


def current_plan(org_department, year) -> Plan | None:
    """The version of the department's plan for the year in force (published)."""
    return (
        Plan.objects.filter(org_department=org_department, year=year, status=PlanStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )


def plan_vs_actual(org_department, year) -> list[dict]:
    """Per class of the plan in force and per unit: seats planned, cadres named
    (dispatches not cancelled), attended, and the gap (planned − attended), as plain data.
    A unit with dispatches but no planned seats has a line with 0 planned; the partner
    department's seats are one line under its name. Five queries, whatever the size."""
    plan = current_plan(org_department, year)
    if plan is None:
        return []
    lines = list(
        plan.lines.active()
        .filter(training_class__isnull=False)
        .select_related("training_class", "partner__unit", "partner__jurisdiction")
        .order_by("start_date", "pk")
    )
    rows: dict[tuple[int, int], dict] = {}
    order: dict[int, list] = defaultdict(list)

    def row(line, unit_id, unit_name, path):
        key = (line.pk, unit_id)
        if key not in rows:
            rows[key] = {
                "line_id": line.pk,
                "class_id": line.training_class_id,
                "class": line.name,
                "start_date": line.start_date,
                "unit_id": unit_id,
                "unit": unit_name,
                "path": path,
                "planned": 0,
                "named": 0,
                "attended": 0,
            }
            order[line.pk].append(key)
        return rows[key]

    by_id = {line.pk: line for line in lines}
    allotted: dict[int, list] = defaultdict(list)
    for a in PlanAllocation.objects.filter(line__in=lines).select_related("unit"):
        allotted[a.line_id].append(a.unit)
        row(by_id[a.line_id], a.unit_id, a.unit.name, a.unit.path)["planned"] += a.seats
    named = PlanLine.named_cadres.through.objects.filter(planline__in=lines).values(
        "planline", "cadre__unit", "cadre__unit__name", "cadre__unit__path"
    )
    for n in named.annotate(n=Count("pk")):
        line = by_id[n["planline"]]
        row(line, n["cadre__unit"], n["cadre__unit__name"], n["cadre__unit__path"])["planned"] += n[
            "n"
        ]
    for line in lines:
        if line.partner_id and line.partner_seats:
            unit = line.partner.unit
            row(line, unit.pk, unit.name, unit.path)["planned"] += line.partner_seats

    by_class = {line.training_class_id: line for line in lines}
    dispatches = (
        Dispatch.objects.filter(training_class__in=by_class)
        .exclude(status=DispatchStatus.CANCELLED)
        .values("training_class", "unit", "unit__name", "unit__path")
        .annotate(
            named=Count("pk"),
            attended=Count("pk", filter=Q(status=DispatchStatus.ATTENDED)),
        )
    )
    for d in dispatches:
        line = by_class[d["training_class"]]
        target = _planned_unit(line, d["unit__path"], allotted[line.pk])
        if target is not None:
            r = row(line, target.pk, target.name, target.path)
        elif line.partner_id and d["unit__path"].startswith(line.partner.jurisdiction.path):
            r = row(line, line.partner.unit.pk, line.partner.unit.name, line.partner.unit.path)
        else:
            r = row(line, d["unit"], d["unit__name"], d["unit__path"])
        r["named"] += d["named"]
        r["attended"] += d["attended"]
    result = []
    for line in lines:
        for key in sorted(order[line.pk], key=lambda k: rows[k]["path"]):
            r = rows[key]
            del r["path"]
            r["gap"] = r["planned"] - r["attended"]
            result.append(r)
    return result


def _planned_unit(line, path, units):
    """The allotted unit whose subtree holds `path` (the deepest), for a quota line."""
    if line.mode != LineMode.QUOTA:
        return None
    best = None
    for unit in units:
        if path.startswith(unit.path) and (best is None or len(unit.path) > len(best.path)):
            best = unit
    return best


def plan_documents(user) -> Q:
    """Published plans' documents a user may open: those of a department whose
    jurisdiction holds any of the user's units, and those offering seats to a partner
    department whose dispatcher the user is (`offered_lines`' departments)."""
    reach = units_in_reach(user)
    in_jurisdiction = Exists(
        reach.filter(path__startswith=OuterRef("org_department__jurisdiction__path"))
    )
    # The partner department's dispatchers: the plan offers their department seats
    # (对口支援) in a line it holds, which its 附件2 lists under their name.
    offering = Exists(
        PlanLine.objects.active().filter(
            plan=OuterRef("pk"),
            partner__unit__in=units_in_reach(user, "issue_dispatch"),
        )
    )
    plans = Plan.objects.filter(in_jurisdiction | offering)
    return subject_in(Plan, plans)
