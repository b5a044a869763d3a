"""The circular (通报) as a GB/T 9704 document: the figures per unit (附件1), the bar
chart (附件2, when some unit has an attendance rate), and the named absentees and
overdue makeups (the last attachment), from plain rows (see `builders`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.formatting import format_percent, percent
from notifications.documents.builders import rows_of
from notifications.documents.circular_names import (
    NAMED_IN_TEXT,
    Absentee,
    OverdueMakeup,
    circular_name_lists,
    named_paragraphs,
)
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
    "注：点名，本期点名调训人次；缺训，未经批准未参加培训；退训，中途退学或请假超过培训总学时七分之一；"
    "未结，尚在确认、审批、通知或签收中，或正在参训、待登记考勤；\n"
    "参训率＝参训÷（点名－免训－未结）；\n"
    "点名＝参训＋请假＋缓训＋免训＋缺训＋退训＋未结。"
)


CIRCULAR_TABLE2_NOTE = (
    "注：应补训，截至期末尚未完成的补训人次（一人缺训多个班次的，每个班次计一人次）；"
    "逾期，其中超过补训期限的人次；"
    "通知，已下发入学通知的人次；签收率＝签收÷通知；"
    "学时达标率，学时已达标或进度正常的干部占本单位干部的比例。"
)


@dataclass(frozen=True)
class UnitFigures:
    """A unit's line in a circular. `expected` = named − exempt − still in progress;
    `excused` = leave + deferred; `absent` = absent without approval (withdrawn
    cadres, who took too much leave, are counted in `withdrawn`). `rate` is attended /
    expected in per cent as printed (`core.formatting.percent`: one decimal place,
    rounded half up), 0 when nobody is expected.

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
    def rate(self) -> Decimal:
        return percent(self.attended, self.expected) or Decimal(0)

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
class CarriedFigures:
    """What became of the dispatches an earlier circular counted as still in progress
    (未结) and that have been settled since (上期未结班次): reported once, in the next
    circular, beside its own figures."""

    attended: int = 0
    leave: int = 0
    deferred: int = 0
    exempt: int = 0
    absent: int = 0
    withdrawn: int = 0

    @property
    def settled(self) -> int:
        return (
            self.attended + self.leave + self.deferred + self.exempt + self.absent + self.withdrawn
        )


#: Where the generated text sends the reader for the units it leaves out: the figures
#: per unit, always the first attachment. The named lists are the last one: 附件3 after
#: the chart, 附件2 when there is no chart (`circular`).
UNITS_ATTACHMENT = "附件1"


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


def _units_in_full(units: list[str]) -> str:
    """The units whose attendance rate prints as 100.0% (`_some_units`)."""
    if not units:
        return ""
    return f"{_some_units(units)}参训率达到100%{_see_units(units)}。"


def _units_below(units: list[str]) -> str:
    """The units whose attendance rate prints below 90.0%, named as `_units_in_full`
    names those at 100% (a problem, 存在的问题)."""
    return f"{_some_units(units)}参训率低于90%{_see_units(units)}，调训组织工作有待加强。"


#: said of the period as a whole (总体情况) when no unit's rate prints below 90.0%: a
#: finding, not a problem
ALL_AT_90 = "各单位参训率均达到90%以上。"


def _counted(*parts: tuple[str, int]) -> list[str]:
    """The outcomes that happened, each as 名称N人次: a circular does not recite zeros
    (免训0人次，退训0人次)."""
    return [f"{label}{n}人次" for label, n in parts if n]


def _carried_text(carried: CarriedFigures) -> str:
    """The outcomes of the classes still in progress when the earlier circulars were
    counted (上期未结班次), settled since."""
    outcomes = _counted(
        ("参训", carried.attended),
        ("经批准请假、缓训", carried.leave + carried.deferred),
        ("免训", carried.exempt),
        ("未经批准缺训", carried.absent),
        ("退训", carried.withdrawn),
    )
    return (
        f"上期未结班次：前期通报时尚未办结的{carried.settled}人次现已办结"
        + (f"，其中{'，'.join(outcomes)}" if outcomes else "")
        + "。"
    )


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
                format_percent(r.attended, r.expected),
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
                format_percent(r.acknowledged, r.notified),
                format_percent(r.compliant, r.cadres),
            ]
            for i, r in numbered
        ],
        widths=[0.8, 3.0, 1.1, 0.9, 0.9, 0.9, 1.2, 1.8],
        note=CIRCULAR_TABLE2_NOTE,
        total=True,
    )
    return [attendance, followup]


def _overall_text(rows: Sequence[UnitFigures], period: str) -> str:
    """The period's dispatches in one sentence: named, expected, attended and the rate,
    excused, exempt, absent, withdrawn, still in progress."""
    named = sum(r.named_count for r in rows)
    expected = sum(r.expected for r in rows)
    attended = sum(r.attended for r in rows)
    exempt = sum(r.exempt for r in rows)
    in_progress = sum(r.in_progress for r in rows)
    if not expected:
        # Everyone named is exempt or still in progress (named = exempt + in progress):
        # nobody is expected yet, so there is no rate to give.
        parts = [f"免训{exempt}人次"] if exempt else []
        parts += [f"尚未办结{in_progress}人次"] if in_progress else []
        return (
            f"{period}，共点名调训干部{named}人次，其中{'，'.join(parts)}，"
            "暂无应参训人次，不计算参训率。"
        )
    excused = sum(r.leave_count + r.deferred for r in rows)
    absent = sum(r.absent for r in rows)
    withdrawn = sum(r.withdrawn for r in rows)
    groups = [
        "，".join(group)
        for group in (
            _counted(("经批准请假、缓训", excused), ("免训", exempt)),
            _counted(("未经批准缺训", absent), ("退训", withdrawn)),
            _counted(("尚未办结", in_progress)),
        )
        if group
    ]
    return (
        f"{period}，共点名调训干部{named}人次，其中应参训{expected}人次，实际参训"
        f"{attended}人次，参训率{format_percent(attended, expected)}"
        + "".join(f"；{group}" for group in groups)
        + "。"
    )


def _followup_text(rows: Sequence[UnitFigures], as_of: str) -> str:
    """Makeups owed and overdue at the period's end, the 入学通知's acknowledgement rate
    and the hours-compliance rate, as the tables' 合计 lines give them."""
    owed = sum(r.makeup_owed for r in rows)
    overdue = sum(r.makeup_overdue for r in rows)
    notified = sum(r.notified for r in rows)
    acknowledged = sum(r.acknowledged for r in rows)
    cadres = sum(r.cadres for r in rows)
    compliant = sum(r.compliant for r in rows)
    if not owed:
        makeups = f"{as_of}，无应补训人员。"
    elif not overdue:
        makeups = f"{as_of}，应补训{owed}人次，均未逾期。"
    else:
        makeups = f"{as_of}，应补训{owed}人次，其中逾期未完成{overdue}人次。"
    return (
        makeups
        + (
            f"入学通知签收率{format_percent(acknowledged, notified)}（{acknowledged}/{notified}）。"
            if notified
            else ""
        )
        # Of the cadres of the units the tables list, not of the whole jurisdiction: the
        # same figure as the tables' 合计 line.
        + (
            f"{UNITS_ATTACHMENT}所列单位干部学时达标率{format_percent(compliant, cadres)}"
            f"（{compliant}/{cadres}）。"
            if cadres
            else ""
        )
    )


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
    carried: CarriedFigures | Mapping | None = None,
    carried_absentees: Iterable[Absentee | Mapping] = (),
) -> DocumentContext:
    """通报 on dispatch for `period` (e.g. "2026年第一季度"): figures by unit (附件1, two
    tables: attendance; makeup, acknowledgement and hours compliance), attendance rate by
    unit (附件2, a bar chart, when some unit has cadres expected to attend) and the named
    lists (the last attachment: absent without approval, makeups overdue). A period in
    which nobody was dispatched gets a short text (no "现将…通报如下") that still gives
    the makeups owed and the hours compliance of the units with a line (附件1, attached
    whenever some unit has one) and names the overdue makeups.

    carried: the outcomes settled since of the dispatches earlier circulars counted as
    still in progress (`CarriedFigures`), reported in a sentence of their own (上期未结班次)
    and not in the tables; carried_absentees: the unexcused absentees among them, named.
    period_end: the period's last day, for "截至…" (default: "{period}末", right for a
    month, quarter or year but not for a span of dates). body: the drafter's text as
    blocks (see `body_blocks`), printed instead of the generated text; the attachments
    are always the figures'."""
    rows = rows_of(UnitFigures, figures)
    absent = rows_of(Absentee, absentees)
    overdue = rows_of(OverdueMakeup, overdue_makeups)
    carried_absent = rows_of(Absentee, carried_absentees)
    if carried is not None and not isinstance(carried, CarriedFigures):
        carried = rows_of(CarriedFigures, [carried])[0]
    carried_lines = [Paragraph(_carried_text(carried))] if carried and carried.settled else []
    recipients = list(recipients) or ["各县（市、区）委组织部", "市直各单位"]
    title = title or f"关于{period}干部调训情况的通报"
    as_of = f"截至{format_date(period_end)}" if period_end else f"截至{period}末"

    name_lists = circular_name_lists(absent, overdue, carried_absent)
    # The figures per unit whenever some unit has a line, dispatched or not: a unit owing
    # makeup training has one, with its hours compliance (as the task pages show it).
    attachments = (
        [Attachment(f"{period}各单位调训情况统计表", circular_tables(rows))] if rows else []
    )
    counted = [r for r in rows if r.expected]
    if counted:
        chart = BarChart(
            title=f"{period}各单位参训率", bars=[(r.unit, float(r.rate)) for r in counted]
        )
        attachments.append(Attachment(f"{period}各单位参训率", [chart]))
    # The yearly sections add their attachments after these, so the list keeps its number;
    # alone, it is not referred to by number.
    see_lists = f"（名单详见附件{len(attachments) + 1}）" if attachments else "（名单附后）"
    if name_lists:
        attachments.append(Attachment(f"{period}通报人员名单", name_lists))
    followup = [Paragraph(_followup_text(rows, as_of))] if rows else []
    if not any(r.named_count for r in rows):
        generated = [
            Paragraph(f"{period}，{organizer or issuer.name}未组织干部调训。"),
            *followup,
            *carried_lines,
            *named_paragraphs((), carried_absent, overdue, as_of=as_of, see=see_lists),
        ]
    else:
        # Judged on the rates as printed (表1, the chart): 89.95% prints 90.0% and is not
        # below 90%; 99.95% prints 100.0%.
        full = [r.unit for r in counted if r.rate == 100]
        low = sorted((r for r in counted if r.rate < 90), key=lambda r: r.rate)
        problems = [Paragraph(_units_below([r.unit for r in low]))] if low else []
        problems += named_paragraphs(absent, carried_absent, overdue, as_of=as_of, see=see_lists)
        generated = [
            Paragraph(
                f"为加强干部教育培训管理，压实调训工作责任，现将{period}干部调训情况通报如下："
            ),
            Heading("总体情况"),
            Paragraph(
                _overall_text(rows, period)
                + _units_in_full(full)
                + (ALL_AT_90 if counted and not low else "")
            ),
            *followup,
            *carried_lines,
            *([Heading("存在的问题"), *problems] if problems else []),
            Heading("工作要求"),
            Paragraph(
                "各单位要切实履行调训主体责任，严格执行调训计划，统筹安排好工学关系，"
                "确保被调训干部按时足额参训。对无正当理由不参加调训的，将按有关规定严肃处理。"
            ),
        ]
    return DocumentContext(
        issuer=issuer,
        title=title,
        date=date,
        recipients=recipients,
        body=list(body) if body else generated,
        attachments=attachments,
        note=contact or issuer.contact,
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


def body_blocks(text: str, whole: tuple[str, ...] = ()) -> list:
    """The drafter's text as blocks: each non-blank line a paragraph, a line numbered
    "一、" or "（一）" a heading (numbered again when printed). `whole`: words no line
    ends inside (the people the circular names, as the generated text keeps them)."""
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
            blocks.append(Paragraph(line, whole=tuple(w for w in whole if w in line)))
    return blocks
