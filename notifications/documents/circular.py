"""The circular (通报) as a GB/T 9704 document: the figures per unit (附件1), the bar
chart (附件2), and the named absentees and overdue makeups (附件3), from plain rows (see
`builders`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from notifications.documents.builders import rows_of
from notifications.documents.context import (
    Attachment,
    BarChart,
    DocumentContext,
    Heading,
    Issuer,
    Paragraph,
    Table,
)
from notifications.documents.render import format_date, label_for

CIRCULAR_TABLE1_NOTE = (
    "注：点名，本期点名调训人次；缺训，未经批准缺训；退训，请假超过培训总学时七分之一而退训；"
    "未结，尚在确认、审批、通知或签收中；参训率＝参训÷（点名－免训－未结）。"
    "点名＝参训＋请假＋缓训＋免训＋缺训＋退训＋未结。"
)


CIRCULAR_TABLE2_NOTE = (
    "注：应补训，截至期末尚未完成补训的人数；逾期，其中超过补训期限的人数；"
    "通知，已下发入学通知的人次；签收率＝签收÷通知；"
    "学时达标率，学时已达标或进度正常的干部占本单位干部的比例。"
)


@dataclass(frozen=True)
class UnitFigures:
    """A unit's line in a circular. `expected` = named − exempt − still in progress;
    `excused` = leave + deferred; `absent` = absent without approval (withdrawn
    cadres, who took too much leave, are counted in `withdrawn`). `rate` is attended /
    expected, in per cent.

    Callers that know only the short form (expected, attended, excused, absent) may
    leave the rest out: `named` then defaults to expected + exempt + in progress and
    `leave` to excused − deferred, so every line still adds up."""

    unit: str
    expected: int
    attended: int
    excused: int = 0
    absent: int = 0
    makeup_owed: int = 0
    makeup_done: int = 0
    named: int | None = None
    leave: int | None = None
    deferred: int = 0
    exempt: int = 0
    withdrawn: int = 0
    in_progress: int = 0
    makeup_overdue: int = 0
    notified: int = 0  # dispatches whose notice was issued (to be acknowledged)
    acknowledged: int = 0
    cadres: int = 0  # cadres of the unit evaluated against the hours indicators
    compliant: int = 0  # of them: met or on track

    @property
    def rate(self) -> float:
        return 100.0 * self.attended / self.expected if self.expected else 0.0

    @property
    def named_count(self) -> int:
        return (
            self.named
            if self.named is not None
            else (self.expected + self.exempt + self.in_progress)
        )

    @property
    def leave_count(self) -> int:
        return self.leave if self.leave is not None else self.excused - self.deferred


@dataclass(frozen=True)
class Absentee:
    """A cadre absent without leave, named in a circular."""

    name: str
    unit: str
    missed_class: str = ""


@dataclass(frozen=True)
class OverdueMakeup:
    """A cadre whose makeup training is past its due date, named in a circular."""

    name: str
    unit: str
    missed_class: str = ""
    due_date: dt.date | str = ""

    @property
    def due_text(self) -> str:
        due = self.due_date
        if isinstance(due, str) and due:
            try:
                due = dt.date.fromisoformat(due)
            except ValueError:
                return due
        return format_date(due) if isinstance(due, dt.date) else ""


#: How many units, or people, one sentence of the circular's text names: more are
#: counted (等N个单位, 等N人次) and left to the attachments, which list them all, so the
#: text keeps its length whatever the size of the period.
NAMED_IN_TEXT = 10

#: Where the generated text sends the reader for what it leaves out: the figures per
#: unit (附件1) and the named lists (附件3), as `circular` numbers its attachments.
UNITS_ATTACHMENT = "附件1"
LISTS_ATTACHMENT = "附件3"


def _some_units(units: Sequence[str]) -> str:
    """Units as a sentence names them: one by name, up to `NAMED_IN_TEXT` listed with
    their number (共), more as the first of them and their number (等)."""
    if len(units) == 1:
        return units[0]
    word = "共" if len(units) <= NAMED_IN_TEXT else "等"
    return f"{'、'.join(units[:NAMED_IN_TEXT])}{word}{len(units)}个单位"


def _see_units(units: Sequence[str]) -> str:
    """Where the units a sentence leaves out are found (nothing when it names them all)."""
    return f"（详见{UNITS_ATTACHMENT}）" if len(units) > NAMED_IN_TEXT else ""


def _some_people(entries: Sequence[str], measure: str, see: str) -> str:
    """People as a sentence names them: all of them up to `NAMED_IN_TEXT`, more as the
    first of them, their number (等N人次) and where the whole list is (`see`)."""
    named = "；".join(entries[:NAMED_IN_TEXT])
    if len(entries) <= NAMED_IN_TEXT:
        return named
    return f"{named}等{len(entries)}{measure}{see}"


def _units_in_full(units: list[str]) -> str:
    """The units whose every expected cadre attended (`_some_units`)."""
    if not units:
        return ""
    return f"{_some_units(units)}参训率达到100%{_see_units(units)}。"


def _units_below(units: list[str]) -> str:
    """The units whose attendance rate is below 90%, named as `_units_in_full` names
    those at 100%."""
    if not units:
        return "各单位参训率均达到90%以上。"
    return f"{_some_units(units)}参训率低于90%{_see_units(units)}，调训组织工作有待加强。"


def _person(entry: Absentee | OverdueMakeup) -> str:
    return f"{entry.unit}{entry.name}" + (f"（{entry.missed_class}）" if entry.missed_class else "")


def _percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "—"


def circular_tables(rows: Sequence[UnitFigures]) -> list:
    """The two figure tables of a circular (表1 attendance, 表2 makeup, acknowledgement
    and hours compliance) with a total line each and the abbreviations explained."""
    total = UnitFigures(
        unit="合计",
        expected=sum(r.expected for r in rows),
        attended=sum(r.attended for r in rows),
        absent=sum(r.absent for r in rows),
        named=sum(r.named_count for r in rows),
        leave=sum(r.leave_count for r in rows),
        deferred=sum(r.deferred for r in rows),
        exempt=sum(r.exempt for r in rows),
        withdrawn=sum(r.withdrawn for r in rows),
        in_progress=sum(r.in_progress for r in rows),
        makeup_owed=sum(r.makeup_owed for r in rows),
        makeup_overdue=sum(r.makeup_overdue for r in rows),
        notified=sum(r.notified for r in rows),
        acknowledged=sum(r.acknowledged for r in rows),
        cadres=sum(r.cadres for r in rows),
        compliant=sum(r.compliant for r in rows),
    )
    numbered = [(str(i), r) for i, r in enumerate(rows, start=1)] + [("", total)]
    attendance = Table(
        caption="表1  调训情况",
        columns=[
            "序号",
            "单位",
            "点名",
            "参训",
            "请假",
            "缓训",
            "免训",
            "缺训",
            "退训",
            "未结",
            "参训率",
        ],
        rows=[
            [
                i,
                r.unit,
                r.named_count,
                r.attended,
                r.leave_count,
                r.deferred,
                r.exempt,
                r.absent,
                r.withdrawn,
                r.in_progress,
                _percent(r.attended, r.expected),
            ]
            for i, r in numbered
        ],
        widths=[0.8, 3.0, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 1.2],
        note=CIRCULAR_TABLE1_NOTE,
        total=True,
    )
    followup = Table(
        caption="表2  补训、签收和学时达标情况",
        columns=["序号", "单位", "应补训", "逾期", "通知", "签收", "签收率", "学时达标率"],
        rows=[
            [
                i,
                r.unit,
                r.makeup_owed,
                r.makeup_overdue,
                r.notified,
                r.acknowledged,
                _percent(r.acknowledged, r.notified),
                _percent(r.compliant, r.cadres),
            ]
            for i, r in numbered
        ],
        widths=[0.8, 3.0, 1.1, 0.9, 0.9, 0.9, 1.2, 1.8],
        note=CIRCULAR_TABLE2_NOTE,
        total=True,
    )
    return [attendance, followup]


def circular_name_lists(absent: Sequence[Absentee], overdue: Sequence[OverdueMakeup]) -> list:
    """Named lists: absent without approval, and makeups past their due date."""
    blocks: list = []
    if absent:
        blocks.append(
            Table(
                caption="无故缺训人员名单",
                columns=["序号", "姓名", "单位", "缺训班次"],
                rows=[[i, a.name, a.unit, a.missed_class] for i, a in enumerate(absent, start=1)],
                widths=[0.8, 1.4, 3.4, 4.0],
                unbroken=[1],
            )
        )
    if overdue:
        blocks.append(
            Table(
                caption="补训逾期人员名单",
                columns=["序号", "姓名", "单位", "缺训班次", "补训期限"],
                rows=[
                    [i, m.name, m.unit, m.missed_class, m.due_text]
                    for i, m in enumerate(overdue, start=1)
                ],
                widths=[0.8, 1.4, 2.8, 3.0, 2.6],
                unbroken=[1],
            )
        )
    return blocks


def circular(
    *,
    issuer: Issuer,
    period: str,
    figures: Iterable[UnitFigures | Mapping],
    date: dt.date,
    absentees: Iterable[Absentee | Mapping] = (),
    overdue_makeups: Iterable[OverdueMakeup | Mapping] = (),
    recipients: Sequence[str] = (),
    contact: str = "",
    cc: Sequence[str] = (),
    printed_by: str = "",
    title: str = "",
    organizer: str = "",
    period_end: dt.date | None = None,
    body: Sequence | None = None,
) -> DocumentContext:
    """通报 on dispatch for `period` (e.g. "2026年第一季度"): figures by unit (附件1, two
    tables: attendance; makeup, acknowledgement and hours compliance), attendance rate by
    unit (附件2, a bar chart) and the named lists (附件3: absent without approval,
    makeups overdue). A period in which nobody was dispatched gets a short text (no
    "现将…通报如下") that still names the overdue makeups.

    period_end: the period's last day, for "截至…" (default: "{period}末", right for a
    month, quarter or year but not for a span of dates). body: the drafter's text as
    blocks (see `body_blocks`), printed instead of the generated text; the attachments
    are always the figures'."""
    rows = rows_of(UnitFigures, figures)
    absent = rows_of(Absentee, absentees)
    overdue = rows_of(OverdueMakeup, overdue_makeups)
    recipients = list(recipients) or ["各县（市、区）委组织部", "市直各单位"]
    title = title or f"关于{period}干部调训情况的通报"
    as_of = f"截至{format_date(period_end)}" if period_end else f"截至{period}末"

    def overdue_text(see: str) -> str:
        names = _some_people([_person(m) for m in overdue], "人", see)
        return (
            f"{as_of}，以下{len(overdue)}名同志补训逾期未完成，予以通报：{names}。"
            "请所在单位督促其尽快完成补训。"
        )

    name_lists = circular_name_lists(absent, overdue)
    lists_title = f"{period}通报人员名单"
    if not any(r.named_count for r in rows):
        # The list is this text's only attachment of its own; the yearly sections may
        # add others after it, so it is not referred to by number.
        return DocumentContext(
            issuer=issuer,
            title=title,
            date=date,
            recipients=recipients,
            body=list(body)
            if body
            else [
                Paragraph(f"{period}，{organizer or issuer.name}未组织干部调训。"),
                *([Paragraph(overdue_text("（名单附后）"))] if overdue else []),
            ],
            attachments=[Attachment(lists_title, name_lists)] if overdue else [],
            note=contact,
            cc=cc,
            printed_by=printed_by,
        )

    named = sum(r.named_count for r in rows)
    expected = sum(r.expected for r in rows)
    attended = sum(r.attended for r in rows)
    excused = sum(r.leave_count + r.deferred for r in rows)
    exempt = sum(r.exempt for r in rows)
    absent_count = sum(r.absent for r in rows)
    withdrawn = sum(r.withdrawn for r in rows)
    in_progress = sum(r.in_progress for r in rows)
    owed = sum(r.makeup_owed for r in rows)
    overdue_count = sum(r.makeup_overdue for r in rows)
    notified = sum(r.notified for r in rows)
    acknowledged = sum(r.acknowledged for r in rows)
    cadres = sum(r.cadres for r in rows)
    compliant = sum(r.compliant for r in rows)
    rate = 100.0 * attended / expected if expected else 0.0
    counted = [r for r in rows if r.expected]
    full = [r.unit for r in counted if r.attended == r.expected]
    low = sorted((r for r in counted if r.rate < 90), key=lambda r: r.rate)
    overall = (
        f"{period}，共点名调训干部{named}人次，其中应参训{expected}人次，实际参训{attended}人次，"
        f"参训率{rate:.1f}%；经批准请假、缓训{excused}人次，免训{exempt}人次；"
        f"未经批准缺训{absent_count}人次，退训{withdrawn}人次"
        + (f"；尚未办结{in_progress}人次" if in_progress else "")
        + "。"
        + _units_in_full(full)
    )
    followup = (
        f"{as_of}，应补训{owed}人，其中逾期未完成{overdue_count}人。"
        + (
            f"调训通知签收率{_percent(acknowledged, notified)}（{acknowledged}/{notified}）。"
            if notified
            else ""
        )
        + (
            f"干部学时达标率{_percent(compliant, cadres)}（{compliant}/{cadres}）。"
            if cadres
            else ""
        )
    )
    generated = [
        Paragraph(f"为加强干部教育培训管理，压实调训工作责任，现将{period}干部调训情况通报如下："),
        Heading("总体情况"),
        Paragraph(overall),
        Paragraph(followup),
        Heading("存在的问题"),
        Paragraph(_units_below([r.unit for r in low])),
    ]
    see_lists = f"（名单详见{LISTS_ATTACHMENT}）"
    if absent:
        generated.append(
            Paragraph(
                "以下同志无故缺训，予以通报："
                + _some_people([_person(a) for a in absent], "人次", see_lists)
                + "。请所在单位督促其按要求补训。"
            )
        )
    if overdue:
        generated.append(Paragraph(overdue_text(see_lists)))
    generated += [
        Heading("工作要求"),
        Paragraph(
            "各单位要切实履行调训主体责任，严格执行调训计划，统筹安排好工学关系，"
            "确保被调训干部按时足额参训。对无正当理由不参加调训的，将按有关规定严肃处理。"
        ),
    ]
    chart = BarChart(
        title=f"{period}各单位参训率",
        bars=[(r.unit, round(r.rate, 1)) for r in counted],
    )
    attachments = [
        Attachment(f"{period}各单位调训情况统计表", circular_tables(rows)),
        Attachment(f"{period}各单位参训率", [chart]),
    ]
    if name_lists:
        attachments.append(Attachment(lists_title, name_lists))
    return DocumentContext(
        issuer=issuer,
        title=title,
        date=date,
        recipients=recipients,
        body=list(body) if body else generated,
        attachments=attachments,
        note=contact,
        cc=cc,
        printed_by=printed_by,
    )


HEADING_LABELS = {
    1: re.compile(r"^[一二三四五六七八九十]+、\s*"),
    2: re.compile(r"^（[一二三四五六七八九十]+）\s*"),
}


def body_text(blocks: Sequence) -> str:
    """The body as the drafter edits it: one paragraph a line, headings with their
    numbers ("一、总体情况"), as `body_blocks` reads it back."""
    counters = [0, 0, 0, 0, 0]
    lines = []
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 4)
            counters[level] += 1
            counters[level + 1 :] = [0] * (4 - level)
            lines.append(f"{label_for(level, counters[level])}{block.text}")
        elif isinstance(block, Paragraph):
            lines.append(block.text)
    return "\n".join(lines)


def body_blocks(text: str) -> list:
    """The drafter's text as blocks: each non-blank line a paragraph, a line numbered
    "一、" or "（一）" a heading (numbered again when printed)."""
    blocks: list = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        for level, label in HEADING_LABELS.items():
            if label.match(line) and len(line) <= 40:
                blocks.append(Heading(label.sub("", line), level=level))
                break
        else:
            blocks.append(Paragraph(line))
    return blocks
