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

from .context import (
    Attachment,
    BarChart,
    DocumentContext,
    FormFields,
    Heading,
    Issuer,
    Paragraph,
    Table,
)
from .render import chinese_numeral, format_date


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
    """A unit's line in a circular. `rate` is attended / expected, in per cent."""

    unit: str
    expected: int
    attended: int
    excused: int = 0
    absent: int = 0
    makeup_owed: int = 0
    makeup_done: int = 0

    @property
    def rate(self) -> float:
        return 100.0 * self.attended / self.expected if self.expected else 0.0


@dataclass(frozen=True)
class Absentee:
    """A cadre absent without leave, named in a circular."""

    name: str
    unit: str
    missed_class: str = ""


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
    body = [
        Paragraph(
            f"按照干部教育培训有关规定，因故未参加或未完成规定培训的干部应当按要求补训。"
            f"经研究，决定安排{len(rows)}名同志参加{tc.name}补训，名单见附件。"
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
        title=title
        or (f"关于参加{tc.name}的通知" if "补训" in tc.name else f"关于参加{tc.name}补训的通知"),
        date=date,
        recipients=list(recipients) or _units(rows),
        body=body,
        attachments=[Attachment("补训人员名单", [table])],
        note=contact,
        cc=cc,
        printed_by=printed_by,
    )


def circular(
    *,
    issuer: Issuer,
    period: str,
    figures: Iterable[UnitFigures | Mapping],
    date: dt.date,
    absentees: Iterable[Absentee | Mapping] = (),
    recipients: Sequence[str] = (),
    contact: str = "",
    cc: Sequence[str] = (),
    printed_by: str = "",
    title: str = "",
) -> DocumentContext:
    """通报 on dispatch for `period` (e.g. "2026年第一季度"): figures by unit (附件1, a
    table) and attendance rate by unit (附件2, a bar chart); unexcused absentees named."""
    rows = _rows(UnitFigures, figures)
    absent = _rows(Absentee, absentees)
    expected = sum(r.expected for r in rows)
    attended = sum(r.attended for r in rows)
    excused = sum(r.excused for r in rows)
    rate = 100.0 * attended / expected if expected else 0.0
    full = [r.unit for r in rows if r.expected and r.attended == r.expected]
    low = sorted((r for r in rows if r.expected and r.rate < 90), key=lambda r: r.rate)
    body = [
        Paragraph(f"为加强干部教育培训管理，压实调训工作责任，现将{period}干部调训情况通报如下："),
        Heading("总体情况"),
        Paragraph(
            f"{period}，共调训干部{expected}人次，实际参训{attended}人次，"
            f"参训率{rate:.1f}%；经批准请假、缓训{excused}人次。"
            + (f"{'、'.join(full)}等{len(full)}个单位参训率达到100%。" if full else "")
        ),
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
    body += [
        Heading("工作要求"),
        Paragraph(
            "各单位要切实履行调训主体责任，严格执行调训计划，统筹安排好工学关系，"
            "确保被调训干部按时足额参训。对无正当理由不参加调训的，将按有关规定严肃处理。"
        ),
    ]
    table = Table(
        columns=["序号", "单位", "应训人次", "实训人次", "请假缓训", "缺训人次", "参训率"],
        rows=[
            [i, r.unit, r.expected, r.attended, r.excused, r.absent, f"{r.rate:.1f}%"]
            for i, r in enumerate(rows, start=1)
        ]
        + [["", "合计", expected, attended, excused, sum(r.absent for r in rows), f"{rate:.1f}%"]],
        widths=[0.8, 3.0, 1.3, 1.3, 1.3, 1.3, 1.4],
    )
    chart = BarChart(
        title=f"{period}各单位参训率",
        bars=[(r.unit, round(r.rate, 1)) for r in rows],
    )
    return DocumentContext(
        issuer=issuer,
        title=title or f"关于{period}干部调训情况的通报",
        date=date,
        recipients=list(recipients) or ["各县（市、区）委组织部", "市直各单位"],
        body=body,
        attachments=[
            Attachment(f"{period}各单位调训情况统计表", [table]),
            Attachment(f"{period}各单位参训率", [chart]),
        ],
        note=contact,
        cc=cc,
        printed_by=printed_by,
    )
