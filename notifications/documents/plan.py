"""The published yearly dispatch plan (年度调训计划) as a GB/T 9704 document: the notice
印发 the plan, its classes as a table in 附件1 and the seats per unit in 附件2, from plain
rows (see `builders`); `planning.documents` reads them off a plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.formatting import format_date, format_hours
from notifications.documents.builders import rows_of
from notifications.documents.context import (
    Attachment,
    DocumentContext,
    Heading,
    Issuer,
    Paragraph,
    Table,
)


@dataclass(frozen=True)
class PlanClassRow:
    """One class of the plan. `mode` (按名额分配, 点名调训) and `target_categories` (the
    调训对象, e.g. 乡科级领导干部、公务员) are printed as given; no target: —."""

    name: str
    institution: str
    start_date: dt.date
    end_date: dt.date
    hours: Decimal | float | str
    seats: int
    mode: str = ""
    target_categories: str = ""


@dataclass(frozen=True)
class PlanSeatsRow:
    """A unit's seats over the year: in how many classes, how many seats in all."""

    unit: str
    classes: int
    seats: int


def _date_in(year: int, day: dt.date) -> str:
    """3月1日 in the table of `year`'s plan, 2028年1月10日 outside that year."""
    return f"{day.month}月{day.day}日" if day.year == year else format_date(day)


def _dates_in(year: int, start: dt.date, end: dt.date) -> str:
    """A class's dates in the table of `year`'s plan, without the year its title gives:
    3月1日—3月30日, 12月20日—2028年1月10日."""
    if start == end:
        return _date_in(year, start)
    return f"{_date_in(year, start)}—{_date_in(year, end)}"


def dispatch_plan(
    *,
    issuer: Issuer,
    plan_title: str,
    year: int,
    classes: Iterable[PlanClassRow | Mapping],
    seats: Iterable[PlanSeatsRow | Mapping],
    date: dt.date,
    version: int = 1,
    change_reason: str = "",
    recipients: Sequence[str] = ("各有关单位",),
    contact: str = "",
    cc: Sequence[str] = (),
    printed_by: str = "",
) -> DocumentContext:
    """关于印发《plan_title》的通知: the year's classes (附件1) and the seats per unit
    (附件2); a later version (`version`, `change_reason`) says, after the opening, that it
    changes the plan issued before and why."""
    class_rows = rows_of(PlanClassRow, classes)
    seat_rows = rows_of(PlanSeatsRow, seats)
    total = sum(row.seats for row in class_rows)
    targets = any(row.target_categories for row in class_rows)
    body = [
        Paragraph(f"经研究，现将《{plan_title}》印发给你们，请结合实际认真抓好落实。"),
    ]
    if change_reason:
        # A later version (`version` > 1) replaces the plan issued before it.
        reason = change_reason.rstrip()
        ending = "" if reason.endswith(("。", "！", "？", "；")) else "。"
        body.append(
            Paragraph(
                f"本计划对此前印发的计划作了调整，调整原因：{reason}{ending}各单位以本计划为准。"
            )
        )
    body += [
        Heading("计划安排"),
        Paragraph(
            f"{year}年度共安排调训班次{len(class_rows)}个，计划调训{total}人次，"
            "班次安排见附件1，各单位名额分配见附件2。"
        ),
        Heading("有关要求"),
        Paragraph(
            "各单位要严格按照分配名额做好选调工作"
            + ("，确保参训人员符合调训对象要求" if targets else "")
            + "；各班次的调训通知于开班前另行下发。"
        ),
    ]
    # 调训对象 only when some class names its target cadres: a column of dashes would
    # take the room the class names need.
    columns = ["序号", "班次名称", "培训机构", "培训时间", "学时", "名额", "调训对象", "调训方式"]
    widths = [0.7, 3.5, 2.3, 2.7, 0.8, 0.8, 1.5, 1.0]
    class_rows_cells = [
        [
            i,
            row.name,
            row.institution,
            _dates_in(year, row.start_date, row.end_date),
            format_hours(row.hours),
            row.seats,
            row.target_categories or "—",
            row.mode,
        ]
        for i, row in enumerate(class_rows, start=1)
    ]
    if not targets:
        keep = [n for n, column in enumerate(columns) if column != "调训对象"]
        columns = [columns[n] for n in keep]
        widths = [widths[n] for n in keep]
        class_rows_cells = [[cells[n] for n in keep] for cells in class_rows_cells]
    class_table = Table(
        columns=columns,
        rows=class_rows_cells,
        # 培训时间 wide enough to break only at its dash (10月12日— / 11月25日)
        widths=widths,
    )
    seat_table = Table(
        columns=["序号", "单位", "班次数", "名额"],
        rows=[[i, row.unit, row.classes, row.seats] for i, row in enumerate(seat_rows, start=1)]
        + [["", "合计", "", sum(row.seats for row in seat_rows)]],
        widths=[0.7, 5.0, 1.2, 1.2],
        total=True,
    )
    return DocumentContext(
        issuer=issuer,
        title=f"关于印发《{plan_title}》的通知",
        date=date,
        recipients=list(recipients),
        body=body,
        attachments=[
            # What the notice 印发: the plan itself, its classes in a table.
            Attachment(plan_title, [class_table]),
            Attachment(f"{year}年度调训名额分配表", [seat_table]),
        ],
        note=contact or issuer.contact,
        cc=cc,
        printed_by=printed_by,
    )
