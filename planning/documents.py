"""The published plan as an official GB/T 9704 document (印发年度调训计划的通知), its
classes as a table in 附件1 and the seats per unit in 附件2: the plan's lines read into
the plain rows of `notifications.documents.plan`, which lays the document out."""

from django.utils import timezone

from dispatch.documents import issuer_of
from notifications.documents.context import DocumentContext
from notifications.documents.plan import PlanClassRow, PlanSeatsRow, dispatch_plan
from notifications.services import issue_document
from org.models import CadreCategory
from planning.selectors import plan_lines

#: how a line without target categories prints them, on the page and in the document
NO_TARGET = "—"


def target_categories_label(line) -> str:
    """A line's 调训对象 as printed: its target categories' labels joined with 、 (in the
    order chosen), or — when it names none."""
    labels = dict(CadreCategory.choices)
    return "、".join(str(labels.get(c, c)) for c in line.target_categories or ()) or NO_TARGET


def plan_context(plan) -> DocumentContext:
    department = plan.org_department
    lines = plan_lines(plan)
    # 附件2: seats per unit over the year (one line a unit, however many classes).
    totals: dict[str, list[int]] = {}
    for line in lines:
        for a in line.allocations.all():
            entry = totals.setdefault(a.unit.name, [0, 0])
            entry[0] += 1
            entry[1] += a.seats
        if line.partner_id:
            entry = totals.setdefault(f"{line.partner.unit.name}（对口支援）", [0, 0])
            entry[0] += 1
            entry[1] += line.partner_seats
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
                mode=line.get_mode_display(),
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
