"""The published plan as an official GB/T 9704 document (印发年度调训计划的通知), its
classes as a table in 附件1 and the seats per unit in 附件2."""

from django.utils import timezone

from core.formatting import format_span
from dispatch.documents import issuer_of
from notifications.documents.context import (
    Attachment,
    DocumentContext,
    Heading,
    Paragraph,
    Table,
)
from notifications.services import issue_document
from planning.selectors import plan_lines


def plan_context(plan) -> DocumentContext:
    department = plan.org_department
    lines = plan_lines(plan)
    seats = sum(line.seats for line in lines)
    body = [
        Paragraph(f"经研究，现将《{plan.title}》印发给你们，请结合实际认真抓好落实。"),
        Heading("计划安排"),
        Paragraph(
            f"{plan.year}年度共安排调训班次{len(lines)}个，计划调训{seats}人次，"
            "班次安排见附件1，各单位名额分配见附件2。"
        ),
        Heading("有关要求"),
        Paragraph(
            "各单位要严格按照分配名额做好选调工作，确保参训人员符合调训对象要求；"
            "调训通知将于各班次调训日期另行下发。"
        ),
    ]
    if plan.change_reason:
        body.append(Paragraph(f"本计划为第{plan.version}版，调整原因：{plan.change_reason}"))
    classes = Table(
        columns=["序号", "班次名称", "培训机构", "培训时间", "学时", "名额", "调训方式"],
        rows=[
            [
                i,
                line.name,
                line.institution.unit.name,
                format_span(line.start_date, line.end_date),
                str(line.hours),
                line.seats,
                line.get_mode_display(),
            ]
            for i, line in enumerate(lines, start=1)
        ],
        widths=[0.7, 3.2, 2.4, 2.8, 0.9, 0.9, 1.4],
    )
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
    allocations = Table(
        columns=["序号", "单位", "班次数", "名额"],
        rows=[[i, name, n, seats] for i, (name, (n, seats)) in enumerate(totals.items(), start=1)],
        widths=[0.7, 5.0, 1.2, 1.2],
    )
    return DocumentContext(
        issuer=issuer_of(department),
        title=f"关于印发《{plan.title}》的通知",
        date=timezone.localdate(),
        recipients=["各有关单位"],
        body=body,
        attachments=[
            Attachment(f"{plan.year}年度调训班次安排表", [classes]),
            Attachment(f"{plan.year}年度调训名额分配表", [allocations]),
        ],
        printed_by=department.unit.name,
    )


def issue_plan_document(plan, actor=None):
    return issue_document(
        actor=actor, kind="dispatch_plan", context=plan_context(plan), subject=plan
    )
