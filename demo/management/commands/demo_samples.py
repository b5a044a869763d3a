"""`manage.py demo_samples [DIR] [--year YEAR]`: the sample import files of the demo city
(README, "Importing the sample files"), written to DIR (default demo/samples/).

Each file is its kind's template (`imports.workbooks`: the Chinese header row and the
instructions sheet) with the example row replaced by rows that import cleanly, in this
order, into the seeded demo city as `xx.dispatcher`: two new city bureaus under 市政府
and a centre below one of them, and the high-tech zone's working committee with its
organization department and administrative committee; that department registered as an
organization department (高组通); twenty cadres in the bureaus, the statistics bureau's
training centre as a training institution, three classes of 市委组织部 (two at the party
school, one at that centre), and the accounts of the statistics bureau's liaison, head
and one trainee, and of the zone's dispatcher.
The cadres come once more as a GB18030 CSV, as Chinese Excel saves one.

The output is the same bytes on every run for the same YEAR: the workbooks' timestamps
(openpyxl writes the time of saving) are fixed. The classes fall in YEAR, by default
the year after this one, so that they lie ahead of the demo, whose dates follow the day
it was seeded; the committed files were written for 2027.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from openpyxl import load_workbook

from imports import workbooks
from imports.kinds import registry
from org import idnumber

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "samples"
#: the timestamp written into every workbook (its properties and its zip members)
STAMP = dt.datetime(2026, 12, 1, 9, 0, 0)
#: the district of the city the sample cadres' ID numbers are registered in (the demo
#: city's own cadres are in 130102 and the counties': so no sample collides with them)
REGION = "130104"

UNITS = [
    # (code, name, kind, parent): the centre comes before its bureau (any order is fine)
    ("xx-tjj-pcz", "XX市统计局普查中心", "事业单位", "xx-tjj"),
    ("xx-tjj", "XX市统计局", "国家机关", "xx-zf"),
    ("xx-sjj", "XX市审计局", "国家机关", "xx-zf"),
    # the high-tech zone: its working committee, its organization department (registered
    # as a department by the next file) and its administrative committee
    ("xx-gxq", "中共XX高新技术产业开发区工作委员会", "党的机关", "xx"),
    ("xx-gxq-zzb", "中共XX高新区工委组织部", "组织部门", "xx-gxq"),
    ("xx-gxq-gwh", "XX高新技术产业开发区管理委员会", "国家机关", "xx-gxq"),
]

#: (department unit, jurisdiction root, issuer code): the zone's organization department
ORG_DEPARTMENTS = [("xx-gxq-zzb", "xx-gxq", "高组通", "赵敏", "0000-87650001")]

LEADER = "县处级以上党政领导干部"
SENIOR = "四级调研员以上职级公务员"
SECTION = "乡科级领导干部"
CIVIL = "一级主任科员以下职级公务员"
PI_SENIOR = "事业单位管理六级以上人员"
MANAGER = "其他国有企业、事业单位管理人员"
PROFESSIONAL = "专业技术人员"

# (name, born, male, unit, category, position, rank, leadership-team member, young)
CADRES = [
    ("孙建国", dt.date(1970, 4, 12), True, "xx-tjj", LEADER, "党组书记、局长", "正处级", 1, 0),
    ("周丽华", dt.date(1975, 9, 3), False, "xx-tjj", LEADER, "党组成员、副局长", "副处级", 1, 0),
    ("郑志强", dt.date(1978, 1, 25), True, "xx-tjj", LEADER, "党组成员、副局长", "副处级", 1, 0),
    ("何静", dt.date(1982, 6, 18), False, "xx-tjj", SECTION, "综合科科长", "一级主任科员", 0, 0),
    ("马俊", dt.date(1984, 11, 7), True, "xx-tjj", SECTION, "统计科科长", "一级主任科员", 0, 0),
    ("胡晓燕", dt.date(1986, 3, 30), False, "xx-tjj", SECTION, "法规科科长", "二级主任科员", 0, 0),
    ("罗明", dt.date(1968, 8, 9), True, "xx-tjj", SENIOR, "调研员", "四级调研员", 0, 0),
    ("高雅琪", dt.date(1996, 5, 21), False, "xx-tjj", CIVIL, "科员", "一级科员", 0, 1),
    ("林浩然", dt.date(1993, 12, 2), True, "xx-tjj", CIVIL, "科员", "四级主任科员", 0, 0),
    ("梁红", dt.date(1973, 2, 14), False, "xx-tjj-pcz", PI_SENIOR, "主任", "管理六级", 1, 0),
    ("宋涛", dt.date(1985, 7, 19), True, "xx-tjj-pcz", MANAGER, "科室主任", "管理八级", 0, 0),
    (
        "唐佳怡",
        dt.date(1994, 10, 11),
        False,
        "xx-tjj-pcz",
        PROFESSIONAL,
        "统计师",
        "专技十级",
        0,
        0,
    ),
    ("周堃", dt.date(1991, 4, 27), True, "xx-tjj-pcz", PROFESSIONAL, "统计师", "专技十一级", 0, 0),
    ("韩卫东", dt.date(1969, 5, 6), True, "xx-sjj", LEADER, "党组书记、局长", "正处级", 1, 0),
    ("冯秀英", dt.date(1976, 12, 15), False, "xx-sjj", LEADER, "党组成员、副局长", "副处级", 1, 0),
    (
        "曹磊",
        dt.date(1981, 9, 28),
        True,
        "xx-sjj",
        SECTION,
        "经济责任审计科科长",
        "一级主任科员",
        0,
        0,
    ),
    (
        "许文娟",
        dt.date(1983, 2, 8),
        False,
        "xx-sjj",
        SECTION,
        "财政审计科科长",
        "二级主任科员",
        0,
        0,
    ),
    ("邓亮", dt.date(1989, 7, 1), True, "xx-sjj", CIVIL, "科员", "三级主任科员", 0, 0),
    ("彭玥", dt.date(1997, 1, 16), False, "xx-sjj", CIVIL, "科员", "一级科员", 0, 0),
    ("谢鹏飞", dt.date(1992, 8, 23), True, "xx-sjj", CIVIL, "科员", "四级主任科员", 0, 0),
]

#: the trainee account is 高雅琪's (the young cadre); the head's is 孙建国's
TRAINEE, HEAD = 7, 0


def id_number(index: int) -> str:
    _name, born, male, *_rest = CADRES[index]
    return idnumber.make(REGION, born, 2 * (index + 1) + (1 if male else 0))


def cadre_rows() -> list[list[str]]:
    return [
        [
            id_number(index),
            name,
            "男" if male else "女",
            unit,
            category,
            position,
            rank,
            "X组通",
            "",
            "是" if lead else "否",
            "是" if young else "否",
        ]
        for index, (name, _born, male, unit, category, position, rank, lead, young) in enumerate(
            CADRES
        )
    ]


def class_rows(year: int) -> list[list[str]]:
    def day(month, number):
        return dt.date(year, month, number).isoformat()

    return [
        [
            f"{year}年全市统计审计系统业务骨干培训班",
            "xx-dx",
            "X组通",
            "主体班",
            day(3, 8),
            day(3, 12),
            day(3, 7),
            "XX市新华路88号",
            "40",
            "5",
            "40",
        ],
        [
            f"{year}年秋季中青年干部培训班",
            "xx-dx",
            "X组通",
            "主体班",
            day(9, 6),
            day(9, 24),
            day(9, 5),
            "XX市新华路88号",
            "120",
            "15",
            "45",
        ],
        [
            f"{year}年全市统计调查业务培训班",
            "xx-tjj-pxzx",
            "X组通",
            "专题班",
            day(5, 11),
            day(5, 13),
            day(5, 10),
            "XX市建设大街16号",
            "24",
            "3",
            "50",
        ],
    ]


#: a training institution registered with its unit (new: placed under the bureau)
INSTITUTIONS = [
    ("xx-tjj-pxzx", "XX市统计教育培训中心", "xx-tjj", "高校培训基地", "XX市建设大街16号"),
]


def institution_rows() -> list[list[str]]:
    return [list(row) for row in INSTITUTIONS]


def account_rows() -> list[list[str]]:
    return [
        [
            "xx-tjj.liaison",
            "王晓敏",
            "wangxiaomin@tjj.xx.gov.cn",
            "13931100001",
            "单位联络员",
            "xx-tjj",
            "",
        ],
        ["xx-tjj.head", CADRES[HEAD][0], "", "13931100002", "单位负责人", "xx-tjj", ""],
        ["xx-tjj.trainee1", CADRES[TRAINEE][0], "", "", "学员", "", id_number(TRAINEE)],
        ["xx-gxq.dispatcher", "陈思远", "", "13931100003", "调训专员", "xx-gxq", ""],
    ]


def _unit_rows() -> list[list[str]]:
    return [list(row) for row in UNITS]


def _workbook(slug: str, rows: list[list[str]]) -> bytes:
    """The kind's template, its example row replaced by `rows` (as text cells, so that ID
    numbers and codes keep every digit), with fixed timestamps."""
    book = load_workbook(io.BytesIO(workbooks.template_xlsx(registry.get(slug))))
    sheet = book.worksheets[0]
    sheet.delete_rows(2)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.number_format = "@"
    book.properties.created = STAMP
    book.properties.creator = "Xundiao"
    out = io.BytesIO()
    book.save(out)
    return _fixed_time(out.getvalue())


def _fixed_time(data: bytes) -> bytes:
    """The workbook with STAMP as its modification time and its zip members' times."""
    stamp = STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    content,
                )
            member = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, content)
    return out.getvalue()


def _gb18030_csv(slug: str, rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(workbooks.headers(registry.get(slug)))
    writer.writerows(rows)
    return out.getvalue().encode("gb18030")


def build_samples(year: int) -> dict[str, bytes]:
    """{file name: content} of every sample, in the order they are imported."""
    with translation.override("zh-hans"):
        return {
            "01-units.xlsx": _workbook("units", _unit_rows()),
            "02-org-departments.xlsx": _workbook(
                "org_departments", [list(row) for row in ORG_DEPARTMENTS]
            ),
            "03-cadres.xlsx": _workbook("cadres", cadre_rows()),
            "03-cadres-gb18030.csv": _gb18030_csv("cadres", cadre_rows()),
            "04-institutions.xlsx": _workbook("institutions", institution_rows()),
            "05-classes.xlsx": _workbook("classes", class_rows(year)),
            "06-accounts.xlsx": _workbook("accounts", account_rows()),
        }


#: which import kind reads each sample
KINDS = {
    "01-units.xlsx": "units",
    "02-org-departments.xlsx": "org_departments",
    "03-cadres.xlsx": "cadres",
    "03-cadres-gb18030.csv": "cadres",
    "04-institutions.xlsx": "institutions",
    "05-classes.xlsx": "classes",
    "06-accounts.xlsx": "accounts",
}


class Command(BaseCommand):
    help = (
        "Write the demo city's sample import files (units, organization departments, "
        "cadres also as GB18030 CSV, institutions, classes, accounts), built from the "
        "import templates, to DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", nargs="?", default=str(DEFAULT_DIR))
        parser.add_argument(
            "--year",
            type=int,
            default=dt.date.today().year + 1,
            help="the year of the sample classes (default: next year)",
        )

    def handle(self, *args, dir, year, **options):
        if not 2000 <= year <= 9998:
            raise CommandError(f"--year {year}: give a year from 2000 to 9998.")
        target = Path(dir)
        target.mkdir(parents=True, exist_ok=True)
        for name, content in build_samples(year).items():
            (target / name).write_bytes(content)
            self.stdout.write(f"{target / name} ({KINDS[name]}, {len(content)} bytes)")
