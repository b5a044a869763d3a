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

from django.utils import timezone

from core.formatting import format_hours
from core.masking import mask_id_number
from notifications.documents.context import (
    Attachment,
    DocumentContext,
    FormFields,
    Heading,
    Issuer,
    Paragraph,
    Table,
)
from notifications.documents.render import chinese_numeral, format_date
from notifications.documents.words import SEVERAL


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
    # An online class (网络培训): studied on its institution's platform, nobody reports
    # anywhere; its notices say where to log in instead of where to report.
    online: bool = False
    # What the notice cites the class was decided by (根据《…计划》（X组通〔2027〕1号）);
    # none, and the notice cites nothing it cannot name.
    basis: str = ""


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


def rows_of(cls, items: Iterable) -> list:
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
    return rows_of(cls, [item])[0]


def _span(start: dt.date, end: dt.date) -> str:
    days = (end - start).days + 1
    if start == end:
        return f"{format_date(start)}（1天）"
    return f"{format_date(start)}至{format_date(end)}（共{days}天）"


def _hours(value) -> str:
    return f"{format_hours(value)}学时" if value not in ("", None) else ""


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


#: The requirements of an online class: nobody reports anywhere, so nobody is late.
ONLINE_REQUIREMENTS = (
    "参训学员要严格遵守学习纪律和廉洁自律有关规定，按时登录学习平台，全程参加网络学习，"
    "不得由他人代学。",
    "确因特殊情况不能参训的，须按干部管理权限履行请假审批手续。",
    "请参训学员按要求完成全部课程和学习任务，认真撰写学习体会。",
)

#: What an online class's `location` may hold when it names no platform of its own.
ONLINE_PLACEHOLDERS = {"", "线上", "网上", "在线", "网络", "线上学习", "网络学习", "网络培训"}


def _requirements(tc: ClassInfo, requirements: Sequence[str]) -> Sequence[str]:
    """The default requirements, or an online class's own; those the caller gave as is."""
    if tc.online and requirements is DEFAULT_REQUIREMENTS:
        return ONLINE_REQUIREMENTS
    return requirements


def _platform(tc: ClassInfo) -> str:
    """Where an online class is studied: its institution (the online college), with its
    location when that names a platform or an address rather than just 线上."""
    place = (tc.location or "").strip()
    named = place if place not in ONLINE_PLACEHOLDERS else ""
    if tc.institution and named:
        return f"{tc.institution}（{named}）"
    return tc.institution or named or "网络学习平台"


def _replaces(supersedes: str) -> list[Paragraph]:
    """The closing line of a notice reissued because its class changed."""
    if not supersedes:
        return []
    return [Paragraph(f"因培训安排调整，现重新印发本通知，原通知（{supersedes}）同时作废。")]


def _deadline(value: dt.date | dt.datetime) -> str:
    """A reply deadline as documents write it: 2026年12月12日, with the hour when it is a
    moment (2026年12月12日18时, 18时30分), in local time — the roll call's own deadline."""
    if not isinstance(value, dt.datetime):
        return format_date(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{format_date(local.date())}{local.hour}时{minutes}"


def _you(recipients: Sequence[str]) -> str:
    """How the body asks the addressees to act: 你单位 when the notice is addressed to
    one unit, 各单位 when to several or to a group (各县（市、区）委组织部, 市直有关单位)."""
    if len(recipients) == 1 and not SEVERAL.search(recipients[0]):
        return "你单位"
    return "各单位"


#: a notice to the units of more cadres' units than this is addressed to 有关单位: a roll
#: call over a city's units would otherwise open with a page of addressees
MAX_ADDRESSEES = 5


def _addressees(recipients: Sequence[str] | str, rows, issuer: Issuer) -> list[str]:
    """The addressee lines given (one line given as a string is one line, not its
    characters), or else the cadres' units other than the issuer itself — 有关单位 when
    they are more than MAX_ADDRESSEES, or none is left."""
    if isinstance(recipients, str):
        recipients = [recipients]
    if recipients:
        return list(recipients)
    units = [unit for unit in _units(rows) if unit != issuer.name]
    return units if 0 < len(units) <= MAX_ADDRESSEES else ["有关单位"]


def _venue(tc: ClassInfo) -> str:
    """Where the class is held: the institution, and its address when the location gives
    one (中共XX市委党校，地址为XX市新华路88号: no second bracket after an institution
    that ends in one)."""
    if tc.institution and tc.location and tc.location != tc.institution:
        return f"{tc.institution}，地址为{tc.location}"
    return tc.institution or tc.location


def _report_at(tc: ClassInfo, *, address: bool) -> str:
    """Where trainees report: the report place given, else the institution — with its
    address when `address` and the location gives one (…报到，地址为XX市新华路88号) —
    else the location."""
    if tc.report_place:
        return f"{tc.report_place}报到"
    place = (tc.location or "").strip()
    if tc.institution and place not in ONLINE_PLACEHOLDERS and place != tc.institution:
        return f"{tc.institution}报到，地址为{place}" if address else f"{tc.institution}报到"
    return f"{tc.institution or tc.location}报到"


def dispatch_notice(
    *,
    issuer: Issuer,
    training_class: ClassInfo | Mapping,
    cadres: Iterable[CadreRow | Mapping],
    date: dt.date,
    recipients: Sequence[str] = (),
    reply_by: dt.date | dt.datetime | None = None,
    contact: str = "",
    requirements: Sequence[str] = DEFAULT_REQUIREMENTS,
    cc: Sequence[str] = (),
    printed_by: str = "",
    title: str = "",
) -> DocumentContext:
    """调训通知 to units: the class, the dispatched cadres (附件1, ID numbers masked) and a
    reply slip (附件2). `recipients` defaults to the cadres' units."""
    tc = _one(ClassInfo, training_class)
    rows = rows_of(CadreRow, cadres)
    recipients = _addressees(recipients, rows, issuer)
    you = _you(recipients)
    reply_by = _deadline(reply_by or tc.report_date - dt.timedelta(days=3))
    hours = _hours(tc.credit_hours)
    span = f"培训时间为{_span(tc.start_date, tc.end_date)}" + (f"，计{hours}" if hours else "")
    if tc.online:
        where = [
            Heading("培训时间和方式"),
            Paragraph(f"{span}。培训方式为网络培训，依托{_platform(tc)}开展。"),
        ]
        arrangements = [
            Heading("学习安排"),
            Heading("学习时间", level=2),
            Paragraph(f"{format_date(tc.start_date)}至{format_date(tc.end_date)}。"),
            Heading("学习方式", level=2),
            Paragraph(f"网络培训，参训学员登录{_platform(tc)}参加学习。"),
        ]
    else:
        venue = _venue(tc)
        where = [Heading("培训时间和地点"), Paragraph(f"{span}。培训地点为{venue}。")]
        # the address once, in 一; here the day and the place to report, in a sentence
        arrangements = [
            Heading("报到时间和地点"),
            Paragraph(
                f"请参训学员于{format_date(tc.report_date)}到{_report_at(tc, address=False)}。"
            ),
        ]
    body = [
        Paragraph(
            (f"{tc.basis}，" if tc.basis else "")
            + f"经研究，决定举办{tc.name}。现将有关事项通知如下："
        ),
        *where,
        Heading("参训人员"),
        Paragraph(
            f"本期培训参训人员共{len(rows)}名，名单见附件1。"
            f"请{you}及时通知本人，并妥善安排其工作，确保按时参训。"
        ),
        *arrangements,
        Heading("有关要求"),
        # the reply slip asked for is the last requirement, numbered with the others
        *[
            Paragraph(f"{label}{text}")
            for label, text in _numbered(
                [
                    *_requirements(tc, requirements),
                    f"请{you}于{reply_by}前将参训回执（附件2）报送{issuer.name}。"
                    # the leave itself is asked for as the requirement before says
                    "因特殊情况不能参训的，请在回执中注明原因。",
                ]
            )
        ],
    ]
    cadre_table = Table(
        columns=["序号", "姓名", "单位及职务", "身份证号码"],
        rows=[
            [i, r.name, r.unit + r.position, mask_id_number(r.id_number)]
            for i, r in enumerate(rows, start=1)
        ],
        widths=[0.7, 1.4, 5.4, 3.0],
        unbroken=[1],
    )
    reply_slip = [
        FormFields(["单位名称（盖章）", "联系人", "联系电话"]),
        Table(
            columns=["序号", "姓名", "职务", "是否参训", "未参训原因"],
            widths=[0.7, 1.5, 2.5, 1.5, 3.5],
            blank_rows=6,
        ),
        Paragraph(f"请于{reply_by}前报送{issuer.name}。"),
    ]
    return DocumentContext(
        issuer=issuer,
        title=title or f"关于举办{tc.name}的通知",
        date=date,
        recipients=recipients,
        body=body,
        attachments=[
            Attachment(f"{tc.name}参训人员名单", [cadre_table]),
            Attachment("参训回执", reply_slip),
        ],
        note=contact or issuer.contact,
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
    supersedes: str = "",
) -> DocumentContext:
    """入学通知 to one trainee: class, dates, report date and place (an online class: when
    and where to log in), requirements. `supersedes`: the number of the notice this one
    replaces, its class having changed since."""
    tc = _one(ClassInfo, training_class)
    who = _one(CadreRow, trainee)
    hours = _hours(tc.credit_hours)
    if tc.online:
        attend = [
            Heading("学习方式"),
            Paragraph(
                f"本期培训为网络培训。请于{format_date(tc.start_date)}起登录{_platform(tc)}"
                f"参加网络学习，并于{format_date(tc.end_date)}前完成全部课程。"
            ),
        ]
    else:
        attend = [
            Heading("报到时间和地点"),
            Paragraph(
                f"请于{format_date(tc.report_date)}到{_report_at(tc, address=True)}。"
                "报到时请携带本通知。"
            ),
        ]
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
        *attend,
        Heading("学习要求"),
        *[
            Paragraph(f"{label}{text}")
            for label, text in _numbered(_requirements(tc, requirements))
        ],
        *_replaces(supersedes),
    ]
    return DocumentContext(
        issuer=issuer,
        title=title or f"{tc.name}入学通知",
        date=date,
        recipients=[f"{who.name}同志（{who.unit}{who.position}）"],
        body=body,
        note=contact or issuer.contact,
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
    supersedes: str = "",
) -> DocumentContext:
    """补训通知: who missed which class, and the makeup class they must attend (an online
    class: when and where to log in). `supersedes`: the number of the notice this one
    replaces, its class having changed since.

    `deadline`, the day the makeup is due, is stated only when it is neither before the
    notice's `date` nor before the class ends: a day already past, or one the class
    itself runs beyond, would ask for what cannot be done. Otherwise (or without one)
    the notice asks for the makeup class at its dates."""
    tc = _one(ClassInfo, makeup_class)
    rows = rows_of(MakeupRow, cadres)
    recipients = _addressees(recipients, rows, issuer)
    you = _you(recipients)
    if deadline is not None and deadline >= date and deadline >= tc.end_date:
        complete = f"请{you}督促补训人员按时参训，于{format_date(deadline)}前完成补训。"
    else:
        complete = f"请{you}督促补训人员按上述补训时间参训，完成补训。"
    # 参加2026年第二期干部补训班, not 参加…补训班补训
    attend = f"参加{tc.name}" if "补训" in tc.name else f"参加{tc.name}补训"
    if tc.online:
        when_where = [
            Heading("补训时间和方式"),
            Paragraph(
                f"补训时间为{_span(tc.start_date, tc.end_date)}，方式为网络培训。"
                f"请于{format_date(tc.start_date)}起登录{_platform(tc)}参加网络学习。"
            ),
        ]
    else:
        venue = _venue(tc)
        when_where = [
            Heading("补训时间和地点"),
            Paragraph(
                f"补训时间为{_span(tc.start_date, tc.end_date)}，地点为{venue}。"
                f"请于{format_date(tc.report_date)}到{_report_at(tc, address=False)}。"
            ),
        ]
    body = [
        Paragraph(
            f"按照干部教育培训有关规定，因故未参加或未完成规定培训的干部应当按要求补训。"
            f"经研究，决定安排{len(rows)}名同志{attend}，名单见附件。"
            "现将有关事项通知如下："
        ),
        *when_where,
        Heading("有关要求"),
        Paragraph(f"{complete}无正当理由逾期未完成补训的，将在下一期调训情况通报中予以通报。"),
        *_replaces(supersedes),
    ]
    table = Table(
        columns=["序号", "姓名", "单位及职务", "缺训班次", "缺训原因"],
        rows=[
            [i, r.name, r.unit + r.position, r.missed_class, r.reason]
            for i, r in enumerate(rows, start=1)
        ],
        widths=[0.7, 1.3, 4.6, 2.8, 1.6],
        unbroken=[1],
    )
    return DocumentContext(
        issuer=issuer,
        title=title or f"关于{attend}的通知",
        date=date,
        recipients=recipients,
        body=body,
        attachments=[Attachment("补训人员名单", [table])],
        note=contact or issuer.contact,
        cc=cc,
        printed_by=printed_by,
    )
