"""Builders: one function per kind of official document, from plain data.

Each returns a `DocumentContext` to pass to `notifications.services.issue_document`
(or `render_pdf` for a preview). Rows may be dataclasses or plain dicts with the same
keys, so `dispatch` can pass `{"name": c.name, "unit": c.unit.name, ...}` without this
package knowing its models. ID numbers are masked here if the caller has not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

from notifications.documents.context import (
    Attachment,
    BarChart,
    DocumentContext,
    FormFields,
    Heading,
    Issuer,
    Paragraph,
    Table,
)
from notifications.documents.render import chinese_numeral, format_date


@dataclass(frozen=True)
class ClassInfo:
    """A training class as printed on notices."""

    name: str
    start_date: dt.date
    end_date: dt.date
    report_date: dt.date
    location: str
    institution: str = ""
    credit_hours: Decimal | float | str = ""
    report_place: str = ""  # where to report; defaults to `location`


@dataclass(frozen=True)
class CadreRow:
    """One cadre on a list. `id_number` is printed masked."""

    name: str
    unit: str
    position: str = ""
    id_number: str = ""
    gender: str = ""


@dataclass(frozen=True)
class MakeupRow:
    """One cadre who owes makeup training."""

    name: str
    unit: str
    position: str = ""
    missed_class: str = ""
    reason: str = ""


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


def _rows(cls, items: Iterable) -> list:
    names = {f.name for f in fields(cls)}
    result = []
    for item in items:
        if isinstance(item, cls):
            result.append(item)
        elif isinstance(item, Mapping):
            result.append(cls(**{k: v for k, v in item.items() if k in names}))
        else:
            raise TypeError(f"Expected {cls.__name__} or a dict, not {item!r}")
    return result


def _one(cls, item):
    return _rows(cls, [item])[0]


def mask_id_number(value: str) -> str:
    """`110101199003071234` → `1101**********1234`; already masked values pass through."""
    value = (value or "").strip().upper()
    if "*" in value or not value:
        return value
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def _span(start: dt.date, end: dt.date) -> str:
    days = (end - start).days + 1
    if start == end:
        return f"{format_date(start)}（1天）"
    return f"{format_date(start)}至{format_date(end)}（共{days}天）"


def _hours(value) -> str:
    if value in ("", None):
        return ""
    text = f"{Decimal(str(value)).normalize():f}"
    return f"{text}学时"


def _units(rows: Sequence) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.setdefault(row.unit, None)
    return list(seen)


DEFAULT_REQUIREMENTS = (
    "参训学员要严格遵守学习纪律和廉洁自律有关规定，按时报到，全程参加学习，"
    "不得无故缺课、迟到早退。",
    "培训期间原则上不得请假。确因特殊情况不能参训的，须按干部管理权限履行请假审批手续。",
    "请参训学员自带学习用品，按要求完成学习任务，认真撰写学习体会。",
)


def dispatch_notice(
    *,
    issuer: Issuer,
    training_class: ClassInfo | Mapping,
    cadres: Iterable[CadreRow | Mapping],
    date: dt.date,
    recipients: Sequence[str] = (),
    reply_by: dt.date | None = None,
    contact: str = "",
    requirements: Sequence[str] = DEFAULT_REQUIREMENTS,
    cc: Sequence[str] = (),
    printed_by: str = "",
    title: str = "",
) -> DocumentContext:
    """调训通知 to units: the class, the dispatched cadres (附件1, ID numbers masked) and a
    reply slip (附件2). `recipients` defaults to the cadres' units."""
    tc = _one(ClassInfo, training_class)
    rows = _rows(CadreRow, cadres)
    reply_by = reply_by or tc.report_date - dt.timedelta(days=3)
    hours = _hours(tc.credit_hours)
    place = tc.institution or tc.location
    body = [
        Paragraph(f"根据年度干部教育培训计划，经研究，决定举办{tc.name}。现将有关事项通知如下："),
        Heading("培训时间和地点"),
        Paragraph(
            f"培训时间为{_span(tc.start_date, tc.end_date)}"
            + (f"，计{hours}" if hours else "")
            + f"。培训地点为{place}"
            + (f"（{tc.location}）" if tc.institution and tc.location else "")
            + "。"
        ),
        Heading("参训人员"),
        Paragraph(
            f"经研究，确定{len(rows)}名同志参加本期培训，名单见附件1。"
            "请各单位及时通知本人，并妥善安排其工作，确保按时参训。"
        ),
        Heading("报到事项"),
        Heading("报到时间", level=2),
        Paragraph(f"{format_date(tc.report_date)}。"),
        Heading("报到地点", level=2),
        Paragraph(f"{tc.report_place or tc.location}。"),
        Heading("有关要求"),
        *[Paragraph(f"{label}{text}") for label, text in _numbered(requirements)],
        Paragraph(
            f"请各单位于{format_date(reply_by)}前将参训回执（附件2）报送"
            f"{issuer.name}。因特殊情况不能参训的，须在回执中注明原因，"
            "并按规定履行请假审批手续。"
        ),
    ]
    cadre_table = Table(
        columns=["序号", "姓名", "单位", "职务", "身份证号码"],
        rows=[
            [i, r.name, r.unit, r.position, mask_id_number(r.id_number)]
            for i, r in enumerate(rows, start=1)
        ],
        widths=[0.7, 1.4, 3.6, 2.2, 2.6],
    )
    reply_slip = [
        FormFields(["单位名称（盖章）", "联系人", "联系电话"]),
        Table(
            columns=["序号", "姓名", "职务", "是否参训", "未参训原因"],
            widths=[0.7, 1.5, 2.5, 1.5, 3.5],
            blank_rows=6,
        ),
        Paragraph(f"请于{format_date(reply_by)}前报送{issuer.name}。"),
    ]
    return DocumentContext(
        issuer=issuer,
        title=title or f"关于举办{tc.name}的通知",
        date=date,
        recipients=list(recipients) or _units(rows),
        body=body,
        attachments=[
            Attachment(f"{tc.name}参训人员名单", [cadre_table]),
            Attachment("参训回执", reply_slip),
        ],
        note=contact,
        cc=cc,
        printed_by=printed_by,
    )


def _numbered(items: Sequence[str]):
    return [(f"（{chinese_numeral(i)}）", text) for i, text in enumerate(items, start=1)]


def admission_notice(
    *,
    issuer: Issuer,
    training_class: ClassInfo | Mapping,
    trainee: CadreRow | Mapping,
    date: dt.date,
    requirements: Sequence[str] = DEFAULT_REQUIREMENTS,
    contact: str = "",
    cc: Sequence[str] = (),
    printed_by: str = "",
    title: str = "",
) -> DocumentContext:
    """入学通知 to one trainee: class, dates, report date and place, requirements."""
    tc = _one(ClassInfo, training_class)
    who = _one(CadreRow, trainee)
    hours = _hours(tc.credit_hours)
    body = [
        Paragraph(f"经研究，决定你参加{tc.name}学习。现将有关事项通知如下："),
        Heading("培训班次"),
        Paragraph(
            f"{tc.name}"
            + (f"，由{tc.institution}承办" if tc.institution else "")
            + (f"，计{hours}" if hours else "")
            + "。"
        ),
        Heading("培训时间"),
        Paragraph(f"{_span(tc.start_date, tc.end_date)}。"),
        Heading("报到时间和地点"),
        Paragraph(
            f"请于{format_date(tc.report_date)}到{tc.report_place or tc.location}报到，"
            "报到时请携带本通知。"
        ),
        Heading("学习要求"),
        *[Paragraph(f"{label}{text}") for label, text in _numbered(requirements)],
    ]
    return DocumentContext(
        issuer=issuer,
        title=title or f"{tc.name}入学通知",
        date=date,
        recipients=[f"{who.name}同志（{who.unit}{who.position}）"],
        body=body,
        note=contact,
        cc=cc or [who.unit],
        printed_by=printed_by,
    )


def makeup_notice(
    *,
    issuer: Issuer,
    makeup_class: ClassInfo | Mapping,
    cadres: Iterable[MakeupRow | Mapping],
    date: dt.date,
    deadline: dt.date | None = None,
    recipients: Sequence[str] = (),
    contact: str = "",
    cc: Sequence[str] = (),
    printed_by: str = "",
    title: str = "",
) -> DocumentContext:
    """补训通知: who missed which class, and the makeup class they must attend."""
    tc = _one(ClassInfo, makeup_class)
    rows = _rows(MakeupRow, cadres)
    deadline = deadline or tc.end_date
    # 参加2026年第二期干部补训班, not 参加…补训班补训
    attend = f"参加{tc.name}" if "补训" in tc.name else f"参加{tc.name}补训"
    body = [
        Paragraph(
            f"按照干部教育培训有关规定，因故未参加或未完成规定培训的干部应当按要求补训。"
            f"经研究，决定安排{len(rows)}名同志{attend}，名单见附件。"
            "现将有关事项通知如下："
        ),
        Heading("补训时间和地点"),
        Paragraph(
            f"补训时间为{_span(tc.start_date, tc.end_date)}，"
            f"地点为{tc.institution or tc.location}。"
            f"请于{format_date(tc.report_date)}到{tc.report_place or tc.location}报到。"
        ),
        Heading("有关要求"),
        Paragraph(
            f"请各单位督促补训人员按时参训，于{format_date(deadline)}前完成补训。"
            "无正当理由逾期未完成补训的，将在下一期调训情况通报中予以通报。"
        ),
    ]
    table = Table(
        columns=["序号", "姓名", "单位", "职务", "缺训班次", "缺训原因"],
        rows=[
            [i, r.name, r.unit, r.position, r.missed_class, r.reason]
            for i, r in enumerate(rows, start=1)
        ],
        widths=[0.7, 1.3, 2.8, 1.8, 2.8, 1.6],
    )
    return DocumentContext(
        issuer=issuer,
        title=title or f"关于{attend}的通知",
        date=date,
        recipients=list(recipients) or _units(rows),
        body=body,
        attachments=[Attachment("补训人员名单", [table])],
        note=contact,
        cc=cc,
        printed_by=printed_by,
    )


def _percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "—"


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
    )
    return [
        attendance,
        Paragraph(CIRCULAR_TABLE1_NOTE),
        followup,
        Paragraph(CIRCULAR_TABLE2_NOTE),
    ]


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
) -> DocumentContext:
    """通报 on dispatch for `period` (e.g. "2026年第一季度"): figures by unit (附件1, two
    tables: attendance; makeup, acknowledgement and hours compliance), attendance rate by
    unit (附件2, a bar chart) and the named lists (附件3: absent without approval,
    makeups overdue). A period in which nobody was dispatched gets a plain "nothing to
    report" circular that still names the overdue makeups."""
    rows = _rows(UnitFigures, figures)
    absent = _rows(Absentee, absentees)
    overdue = _rows(OverdueMakeup, overdue_makeups)
    recipients = list(recipients) or ["各县（市、区）委组织部", "市直各单位"]
    title = title or f"关于{period}干部调训情况的通报"
    names = "；".join(
        f"{m.unit}{m.name}" + (f"（{m.missed_class}）" if m.missed_class else "") for m in overdue
    )
    overdue_text = (
        f"截至{period}末，以下{len(overdue)}名同志补训逾期未完成，予以通报：{names}。"
        "请所在单位督促其尽快完成补训。"
    )
    name_lists = circular_name_lists(absent, overdue)
    lists_title = f"{period}通报人员名单"
    if not any(r.named_count for r in rows):
        return DocumentContext(
            issuer=issuer,
            title=title,
            date=date,
            recipients=recipients,
            body=[
                Paragraph(
                    f"{period}，{organizer or issuer.name}未组织调训，本期无调训情况需要通报。"
                ),
                *([Paragraph(overdue_text)] if overdue else []),
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
        + (f"{'、'.join(full)}等{len(full)}个单位参训率达到100%。" if full else "")
    )
    followup = (
        f"截至{period}末，应补训{owed}人，其中逾期未完成{overdue_count}人。"
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
    body = [
        Paragraph(f"为加强干部教育培训管理，压实调训工作责任，现将{period}干部调训情况通报如下："),
        Heading("总体情况"),
        Paragraph(overall),
        Paragraph(followup),
        Heading("存在的问题"),
        Paragraph(
            (f"{'、'.join(r.unit for r in low)}等单位参训率低于90%，调训组织工作有待加强。")
            if low
            else "各单位参训率均达到90%以上。"
        ),
    ]
    if absent:
        body.append(
            Paragraph(
                "以下同志无故缺训，予以通报："
                + "；".join(
                    f"{a.unit}{a.name}" + (f"（{a.missed_class}）" if a.missed_class else "")
                    for a in absent
                )
                + "。请所在单位督促其按要求补训。"
            )
        )
    if overdue:
        body.append(Paragraph(overdue_text))
    body += [
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
        body=body,
        attachments=attachments,
        note=contact,
        cc=cc,
        printed_by=printed_by,
    )
