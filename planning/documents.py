"""The published plan as an official GB/T 9704 document (印发年度调训计划的通知), its
classes as a table in 附件1 and the seats per unit in 附件2: the plan's lines read into
the plain rows of `notifications.documents.plan`, which lays the document out."""

from collections import defaultdict

from django.db.models import Count
from django.utils import timezone

from dispatch.documents import issuer_of
from notifications.documents.context import DocumentContext
from notifications.documents.plan import PlanClassRow, PlanSeatsRow, dispatch_plan
from notifications.services import issue_document
from org.models import CadreCategory
from planning.models import LineMode, PlanLine
from planning.selectors import plan_lines

#: how a line without target categories prints them, on the page and in the document
NO_TARGET = "—"


def target_categories_label(line) -> str:
    """A line's 调训对象 as printed: its target categories' labels joined with 、 (in the
    order chosen), or — when it names none."""
    labels = dict(CadreCategory.choices)
    return "、".join(str(labels.get(c, c)) for c in line.target_categories or ()) or NO_TARGET


def seats_per_unit(department, lines) -> dict[str, list[int]]:
    """附件2: each unit's classes and seats over the year, in the order the lines first
    give it seats, adding up to the lines' seats: a quota line's allocations, a named
    line's cadres under their units, the partner's seats under the partner, and what a
    named line keeps beyond its cadres (and the partner's) under the department itself,
    统筹 (placed by it later)."""
    named = defaultdict(list)
    rows = (
        PlanLine.named_cadres.through.objects.filter(planline__in=lines)
        .values_list("planline", "cadre__unit__name")
        .annotate(n=Count("pk"))
        .order_by("planline", "cadre__unit__path")
    )
    for line_id, unit_name, n in rows:
        named[line_id].append((unit_name, n))
    totals: dict[str, list[int]] = {}

    def add(unit_name: str, seats: int) -> None:
        entry = totals.setdefault(unit_name, [0, 0])
        entry[0] += 1
        entry[1] += seats

    for line in lines:
        for a in line.allocations.all():
            add(a.unit.name, a.seats)
        for unit_name, n in named[line.pk]:
            add(unit_name, n)
        if line.partner_id:
            add(f"{line.partner.unit.name}（对口支援）", line.partner_seats)
        if line.mode == LineMode.NAMED:
            spare = line.seats - sum(n for _u, n in named[line.pk]) - line.partner_seats
            if spare > 0:
                add(f"{department.unit.name}统筹", spare)
    return totals


#: 调训方式 as the plan document words it (the pages' labels name the data entry)
MODE_IN_DOCUMENT = {LineMode.QUOTA: "按名额分配", LineMode.NAMED: "点名调训"}


def plan_context(plan) -> DocumentContext:
    department = plan.org_department
    lines = plan_lines(plan)
    totals = seats_per_unit(department, lines)
    return dispatch_plan(
        issuer=issuer_of(department),
        plan_title=plan.title,
        year=plan.year,
        version=plan.version,
        change_reason=plan.change_reason,
        classes=[
            PlanClassRow(
                name=line.name,
                institution=line.institution.unit.name,
                start_date=line.start_date,
                end_date=line.end_date,
                hours=line.hours,
                seats=line.seats,
                mode=MODE_IN_DOCUMENT[line.mode],
                target_categories=target_categories_label(line),
            )
            for line in lines
        ],
        seats=[PlanSeatsRow(unit=u, classes=n, seats=s) for u, (n, s) in totals.items()],
        date=timezone.localdate(),
        printed_by=department.unit.name,
    )


def issue_plan_document(plan, actor=None):
    return issue_document(
        actor=actor, kind="dispatch_plan", context=plan_context(plan), subject=plan
    )
