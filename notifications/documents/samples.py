"""Sample documents for previewing the templates (`manage.py sample_documents`) and for
the benchmark: one context per kind, from the demo data when it is there (read through
`django.apps`, since `notifications` may not import `dispatch`), otherwise from built-in
data. Rare characters (堃 玥 喆 镕) are always among the names."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

from notifications.documents import builders
from notifications.documents import circular as circular_document
from notifications.documents import plan as plan_document
from notifications.documents.builders import CadreRow, ClassInfo, MakeupRow
from notifications.documents.circular import Absentee, UnitFigures
from notifications.documents.context import DocumentContext, Issuer, contact_note
from notifications.documents.plan import PlanClassRow, PlanSeatsRow

SAMPLE_SEAL = Path(__file__).with_name("sample_seal.svg")
SAMPLE_DATE = dt.date(2026, 3, 5)
CADRES_ON_NOTICE = 60  # enough for the list of cadres to run over several pages

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"]
RARE_NAMES = ["王堃", "李玥", "张喆", "陈镕"]
SAMPLE_UNITS = [
    "XX市发展和改革委员会",
    "XX市教育局",
    "XX市公安局",
    "XX市财政局",
    "XX市人力资源和社会保障局",
    "XX市自然资源和规划局",
    "XX市住房和城乡建设局",
    "XX市交通运输局",
    "XX市农业农村局",
    "XX市卫生健康委员会",
    "XX市城市建设投资集团有限公司",
    "青山县人民政府",
]
POSITIONS = ["副主任", "处长", "副处长", "副局长", "科长"]  # of a bureau or commission


def _position(unit: str, i: int) -> str:
    """A post the unit has: a county government's 副县长, a company's 总经理助理."""
    if unit.endswith("人民政府"):
        return "副县长"
    if unit.endswith("公司"):
        return "总经理助理"
    return POSITIONS[i % len(POSITIONS)]


CLASSES_IN_PLAN = 36  # enough for the plan's table of classes (附件1) to run over a page
PLAN_CLASSES = [
    ("处级干部进修班", "中共XX市委党校", 30, 180, 50, "按名额分配", "县处级干部"),
    ("中青年干部培训班", "中共XX市委党校", 45, 270, 40, "点名调训", "中青年干部"),
    ("学习贯彻党的创新理论专题研讨班", "XX市干部学院", 5, 40, 60, "按名额分配", "县处级干部"),
    ("国有企业领导人员专题培训班", "XX市干部学院", 5, 40, 45, "按名额分配", "企业领导人员"),
    ("乡村振兴专题培训班", "XX市干部学院", 7, 56, 60, "按名额分配", "乡镇党政正职"),
    ("优秀年轻干部培训班", "中共XX市委党校", 45, 270, 40, "点名调训", "年轻干部"),
]


def sample_issuer(seal: bool = True) -> Issuer:
    return Issuer(name="中共XX市委组织部", code="X组通", seal=SAMPLE_SEAL if seal else None)


def _id_number(i: int) -> str:
    # Shaped like an ID number but masked before printing anyway.
    return f"110101{1970 + i % 25}{(i % 12) + 1:02d}{(i % 27) + 1:02d}{100 + i:03d}X"[:18]


def builtin_cadres(n: int = CADRES_ON_NOTICE) -> list[CadreRow]:
    names = itertools.cycle(s + g for g in GIVEN for s in SURNAMES)
    rows = []
    for i in range(n):
        name = RARE_NAMES[i] if i < len(RARE_NAMES) else next(names)
        rows.append(
            CadreRow(
                name=name,
                unit=SAMPLE_UNITS[i % len(SAMPLE_UNITS)],
                position=_position(SAMPLE_UNITS[i % len(SAMPLE_UNITS)], i),
                id_number=_id_number(i),
            )
        )
    return rows


def builtin_class() -> ClassInfo:
    return ClassInfo(
        name="2026年春季学期处级干部进修班",
        institution="中共XX市委党校",
        location="XX市新华路88号",
        start_date=dt.date(2026, 3, 16),
        end_date=dt.date(2026, 4, 10),
        report_date=dt.date(2026, 3, 15),
        credit_hours=Decimal("160"),
    )


#: where `sample_contexts` takes real data from: a function returning (issuer, class,
#: cadres) or None, registered by the demo app (`register_sample_source`)
_sample_sources: list = []


def sample_dispatch_notice(cadres: list[CadreRow]) -> DocumentContext:
    """The built-in class's 调训通知 from the sample issuer, listing `cadres`."""
    return builders.dispatch_notice(
        issuer=sample_issuer(),
        training_class=builtin_class(),
        cadres=cadres,
        date=SAMPLE_DATE,
        printed_by="中共XX市委组织部",
    )


def register_sample_source(func) -> None:
    if func not in _sample_sources:
        _sample_sources.append(func)


def _demo_data():
    """(issuer, class, cadres) from the first registered source that has them, or None."""
    for source in _sample_sources:
        data = source()
        if data is not None:
            return data
    return None


def builtin_plan_classes(year: int, n: int = CLASSES_IN_PLAN) -> list[PlanClassRow]:
    """`n` classes of a year's dispatch plan, one starting every week or so."""
    rows = []
    for i in range(n):
        name, institution, days, hours, seats, mode, targets = PLAN_CLASSES[i % len(PLAN_CLASSES)]
        start = dt.date(year, 1, 6) + dt.timedelta(days=(i * 9) % 350)
        rows.append(
            PlanClassRow(
                name=f"{year}年{name}（第{i // len(PLAN_CLASSES) + 1}期）",
                institution=institution,
                start_date=start,
                end_date=start + dt.timedelta(days=days - 1),
                hours=Decimal(hours),
                seats=seats,
                mode=mode,
                target_categories=targets,
            )
        )
    return rows


def _plan_seats(classes: list[PlanClassRow]) -> list[PlanSeatsRow]:
    """附件2: the classes' seats shared out among the sample units (4 to the partner), so
    that the table's total is the plan's, as the notice states it."""
    partner = 4
    total = sum(c.seats for c in classes) - partner
    weights = [3 + (i * 7) % 5 for i in range(len(SAMPLE_UNITS))]
    seats = [total * w // sum(weights) for w in weights]
    seats[0] += total - sum(seats)
    return [
        PlanSeatsRow(unit=u, classes=len(classes) // 2 + i % 3, seats=seats[i])
        for i, u in enumerate(SAMPLE_UNITS)
    ] + [PlanSeatsRow(unit="中共YY州委组织部（对口支援）", classes=2, seats=partner)]


def sample_dispatch_plan(issuer: Issuer, year: int, date: dt.date) -> DocumentContext:
    """The 印发 notice of a year's dispatch plan with `CLASSES_IN_PLAN` classes, its
    second version (with the reason for the change)."""
    classes = builtin_plan_classes(year)
    return plan_document.dispatch_plan(
        issuer=issuer,
        plan_title=f"{issuer.name}{year}年度干部调训计划",
        year=year,
        classes=classes,
        seats=_plan_seats(classes),
        date=date,
        version=2,
        change_reason="根据市委党校教学安排，调整部分班次的培训时间，各单位名额相应调整",
        cc=["市委办公室", "市政府办公室"],
        printed_by=f"{issuer.name}办公室",
    )


def _quarter_figures(cadres: list[CadreRow]):
    """A quarter's figures for up to 12 of the cadres' units, and the cadres they count
    absent without leave: each unit's absentees are its own cadres (the first on the
    list, who takes the 入学通知, is never among them), so the circular's table, the
    names it gives and the 补训通知 agree."""
    by_unit: dict[str, list[CadreRow]] = {}
    for cadre in cadres[1:]:
        by_unit.setdefault(cadre.unit, []).append(cadre)
    figures, absentees = [], []
    for i, (unit, own) in enumerate(list(by_unit.items())[:12]):
        absent = min((i * 5) % 4 - (i * 3) % 2 if (i * 5) % 4 >= (i * 3) % 2 else 0, len(own))
        on_leave = min((i * 3) % 2, len(own) - absent)
        expected = 10 + (i * 7) % 9
        notified = expected - on_leave  # the 入学通知 goes to every cadre who is to attend
        staff = 30 + (i * 11) % 40
        figures.append(
            UnitFigures(
                unit=unit,
                expected=expected,
                attended=expected - absent - on_leave,
                excused=on_leave,
                absent=absent,
                makeup_owed=absent,  # each absentee owes a makeup, as the flow has it
                notified=notified,
                acknowledged=notified - (i % 3 == 0),
                cadres=staff,
                compliant=staff - (i * 7) % 6,
            )
        )
        absentees += own[:absent]
    return figures, absentees


def sample_contexts(
    *, use_database: bool = True, issuer: Issuer | None = None
) -> dict[str, DocumentContext]:
    """One context per kind: dispatch_notice, admission_notice, makeup_notice, circular,
    dispatch_plan — issued by `issuer` if given. An issuer with a contact of its own has
    it printed as each builder prints it (the 附注 left to the issuer); else a sample
    contact is passed."""
    data = _demo_data() if use_database else None
    if data is None:
        info, cadres = builtin_class(), builtin_cadres()
        issuer = issuer or sample_issuer()
    else:
        demo_issuer, info, cadres = data
        issuer = issuer or demo_issuer
    contact = "" if issuer.contact else contact_note(f"{issuer.name}干部教育科", "0000-12345678")
    date = SAMPLE_DATE if data is None else dt.date.today()
    makeup_start = max(info.start_date, date) + dt.timedelta(days=60)
    makeup_class = ClassInfo(
        name=f"{makeup_start.year}年第二期干部补训班",
        institution=info.institution,
        location=info.location,
        start_date=makeup_start,
        end_date=makeup_start + dt.timedelta(days=4),
        report_date=makeup_start,
        credit_hours="40",
    )
    # The circular reports the quarter before the one it is dated in, and the class the
    # absentees missed was held in it.
    quarter = (date.month - 1) // 3
    year = date.year if quarter else date.year - 1
    period = f"{year}年第{'一二三四'[(quarter - 1) % 4]}季度"
    missed = f"{year}年{'春季' if quarter in (1, 2) else '秋季'}学期处级干部进修班"
    figures, absentees = _quarter_figures(cadres)
    makeups = [MakeupRow(c.name, c.unit, c.position, missed, "无故缺训") for c in absentees]
    return {
        "dispatch_notice": builders.dispatch_notice(
            issuer=issuer,
            training_class=info,
            cadres=cadres,
            date=date,
            recipients=["各县（市、区）委组织部", "市直各单位党组（党委）"],
            contact=contact,
            cc=["市委办公室", "市政府办公室", info.institution or "市委党校"],
            printed_by=f"{issuer.name}办公室",
        ),
        "admission_notice": builders.admission_notice(
            issuer=issuer,
            training_class=info,
            trainee=cadres[0],
            date=date,
            contact=contact,
            printed_by=f"{issuer.name}办公室",
        ),
        "makeup_notice": builders.makeup_notice(
            issuer=issuer,
            makeup_class=makeup_class,
            cadres=makeups,
            date=date,
            contact=contact,
            printed_by=f"{issuer.name}办公室",
        ),
        "circular": circular_document.circular(
            issuer=issuer,
            period=period,
            figures=figures,
            absentees=[Absentee(name=c.name, unit=c.unit, missed_class=missed) for c in absentees],
            date=date,
            contact=contact,
            cc=["市委办公室", "市政府办公室"],
            printed_by=f"{issuer.name}办公室",
        ),
        "dispatch_plan": sample_dispatch_plan(issuer, date.year + 1, date),
    }
