"""The demo city: 中共XX市委组织部 with two county organization departments.

Everything is derived from a fixed random seed and created with get-or-create on natural
keys, so running the seed again changes nothing. Dates are set relative to the day the
demo is first seeded, so a fresh demo always has classes ahead.
"""

import contextlib
import datetime as dt
import gc
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from dispatch.models import ClassKind, Institution, InstitutionKind, TrainingClass
from notifications.documents.samples import SAMPLE_SEAL
from org import idnumber, reachcache, services
from org.models import Cadre, CadreCategory, Gender, OrgDepartment, Unit, UnitKind
from org.roles import Role

DEMO_PASSWORD = "Xundiao@2026"
SEED = 20260301

K = UnitKind

# (code, name, kind, parent code). Codes are pinyin initials; usernames derive from them.
CITY_UNITS = [
    ("xx", "中共XX市委", K.PARTY_ORGAN, None),
    ("xx-zzb", "中共XX市委组织部", K.ORG_DEPARTMENT, "xx"),
    ("xx-bgs", "中共XX市委办公室", K.PARTY_ORGAN, "xx"),
    ("xx-xcb", "中共XX市委宣传部", K.PARTY_ORGAN, "xx"),
    ("xx-tzb", "中共XX市委统战部", K.PARTY_ORGAN, "xx"),
    ("xx-jw", "中共XX市纪律检查委员会", K.PARTY_ORGAN, "xx"),
    ("xx-zf", "XX市人民政府", K.GOVERNMENT, "xx"),
    ("xx-fgw", "XX市发展和改革委员会", K.GOVERNMENT, "xx-zf"),
    ("xx-jyj", "XX市教育局", K.GOVERNMENT, "xx-zf"),
    ("xx-gaj", "XX市公安局", K.GOVERNMENT, "xx-zf"),
    ("xx-czj", "XX市财政局", K.GOVERNMENT, "xx-zf"),
    ("xx-rsj", "XX市人力资源和社会保障局", K.GOVERNMENT, "xx-zf"),
    ("xx-zrj", "XX市自然资源和规划局", K.GOVERNMENT, "xx-zf"),
    ("xx-sthj", "XX市生态环境局", K.GOVERNMENT, "xx-zf"),
    ("xx-zjj", "XX市住房和城乡建设局", K.GOVERNMENT, "xx-zf"),
    ("xx-jtj", "XX市交通运输局", K.GOVERNMENT, "xx-zf"),
    ("xx-nyj", "XX市农业农村局", K.GOVERNMENT, "xx-zf"),
    ("xx-swj", "XX市商务局", K.GOVERNMENT, "xx-zf"),
    ("xx-wjw", "XX市卫生健康委员会", K.GOVERNMENT, "xx-zf"),
    ("xx-yjj", "XX市应急管理局", K.GOVERNMENT, "xx-zf"),
    ("xx-scj", "XX市市场监督管理局", K.GOVERNMENT, "xx-zf"),
    ("xx-ct", "XX市城市建设投资集团有限公司", K.SOE, "xx-zf"),
    ("xx-jt", "XX市交通投资集团有限公司", K.SOE, "xx-zf"),
    ("xx-sw", "XX市水务集团有限公司", K.SOE, "xx-zf"),
    ("xx-yy", "XX市第一人民医院", K.PUBLIC_INSTITUTION, "xx-wjw"),
    ("xx-gdt", "XX市广播电视台", K.PUBLIC_INSTITUTION, "xx-xcb"),
    ("xx-nky", "XX市农业科学研究院", K.PUBLIC_INSTITUTION, "xx-nyj"),
    ("xx-dx", "中共XX市委党校（XX市行政学院）", K.INSTITUTION, "xx"),
    ("xx-gbxy", "XX市干部学院", K.INSTITUTION, "xx"),
    ("xx-wlxy", "XX市干部网络学院", K.INSTITUTION, "xx"),
]


def _county_units(code: str, county: str, towns: list[str]):
    gov = f"{code}-zf"
    units = [
        (code, f"中共{county}委", K.PARTY_ORGAN, "xx"),
        (f"{code}-zzb", f"中共{county}委组织部", K.ORG_DEPARTMENT, code),
        (f"{code}-bgs", f"中共{county}委办公室", K.PARTY_ORGAN, code),
        (gov, f"{county}人民政府", K.GOVERNMENT, code),
        (f"{code}-fgj", f"{county}发展和改革局", K.GOVERNMENT, gov),
        (f"{code}-jyj", f"{county}教育局", K.GOVERNMENT, gov),
        (f"{code}-gaj", f"{county}公安局", K.GOVERNMENT, gov),
        (f"{code}-czj", f"{county}财政局", K.GOVERNMENT, gov),
        (f"{code}-wjj", f"{county}卫生健康局", K.GOVERNMENT, gov),
        (f"{code}-yy", f"{county}人民医院", K.PUBLIC_INSTITUTION, f"{code}-wjj"),
    ]
    for index, town in enumerate(towns, start=1):
        units.append((f"{code}-xz{index}", f"{town}人民政府", K.GOVERNMENT, code))
    return units


COUNTIES = [
    ("qs", "青山县", "青组通", "130723", ["青山镇", "柳溪镇", "石门乡"]),
    ("lh", "临河县", "临组通", "130726", ["临河镇", "白沙镇", "东港乡"]),
]
UNITS = CITY_UNITS + [u for c in COUNTIES for u in _county_units(c[0], c[1], c[4])]

ORG_DEPARTMENTS = [("xx-zzb", "xx", "X组通")] + [(f"{c[0]}-zzb", c[0], c[2]) for c in COUNTIES]
# whom each department's documents name to ask (附注), in the order above
CONTACTS = ["李晓红", "张丽", "王建国", "陈静"]

INSTITUTIONS = [
    ("xx-dx", InstitutionKind.PARTY_SCHOOL, "XX市新华路88号"),
    ("xx-gbxy", InstitutionKind.CADRE_COLLEGE, "XX市湖滨大道16号"),
    ("xx-wlxy", InstitutionKind.ONLINE_PLATFORM, "线上"),
]

# (organizer, institution, name, kind, offset in days from the seed date, days, hours, quota)
CLASSES = [
    ("xx-zzb", "xx-dx", "全市处科级干部进修班（第一期）", ClassKind.MAIN, -70, 30, 180, 50),
    ("xx-zzb", "xx-dx", "全市中青年干部培训班", ClassKind.MAIN, -40, 60, 360, 40),
    ("xx-zzb", "xx-gbxy", "学习贯彻党的创新理论专题研讨班", ClassKind.THEMATIC, -10, 5, 40, 60),
    ("xx-zzb", "xx-gbxy", "全市国有企业领导人员专题培训班", ClassKind.THEMATIC, 12, 5, 40, 45),
    ("xx-zzb", "xx-dx", "全市处科级干部进修班（第二期）", ClassKind.MAIN, 30, 30, 180, 50),
    ("xx-zzb", "xx-gbxy", "乡村振兴专题培训班", ClassKind.THEMATIC, 45, 7, 56, 60),
    ("xx-zzb", "xx-wlxy", "网络专题班：数字政府建设", ClassKind.ONLINE, 60, 20, 30, 200),
    ("xx-zzb", "xx-dx", "全市科级干部任职培训班", ClassKind.MAIN, 90, 21, 126, 80),
    ("xx-zzb", "xx-gbxy", "应急管理能力提升专题培训班", ClassKind.THEMATIC, 130, 5, 40, 50),
    ("xx-zzb", "xx-dx", "全市优秀年轻干部培训班", ClassKind.MAIN, 180, 45, 270, 40),
    ("qs-zzb", "xx-gbxy", "青山县科级领导干部能力提升班", ClassKind.THEMATIC, 20, 5, 40, 40),
    ("lh-zzb", "xx-gbxy", "临河县基层干部素质提升班", ClassKind.THEMATIC, 75, 5, 40, 40),
]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏"
    "卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红文斌辉宇晨浩然欣怡子轩梓涵"
    "海燕晓东俊峰雪梅立新春林玉兰德胜嘉慧思远振华佳琪亚楠凯文博雅婷鹏飞永庆雨萱"
)
# Names with characters outside GB2312, which the documents must still render.
RARE_NAMES = ["王堃", "李玥", "张喆", "陈镕", "刘玥彤", "赵一喆", "周堃明", "吴镕辉"]


@dataclass
class Stats:
    created: int = 0

    def add(self, created: bool):
        self.created += int(created)


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _staff_profile(unit_code: str, kind: str, index: int, county: bool):
    """(position, rank, category, leadership member) for the index-th cadre of a unit."""
    if kind == K.SOE:
        if index == 0:
            return "党委书记、董事长", "", CadreCategory.SOE_LEADER, True
        if index < 3:
            return "党委委员、副总经理", "", CadreCategory.SOE_LEADER, True
        return "部门经理" if index < 8 else "业务主管", "", CadreCategory.OTHER_MANAGER, False
    if kind in (K.PUBLIC_INSTITUTION, K.INSTITUTION):
        if index == 0:
            return "党委书记、院长", "管理五级", CadreCategory.PI_SENIOR, True
        if index < 3:
            return "副院长", "管理六级", CadreCategory.PI_SENIOR, True
        if index < 6:
            return "科室主任", "管理八级", CadreCategory.OTHER_MANAGER, False
        return "专业技术人员", "专技十级", CadreCategory.PROFESSIONAL, False
    if county and not unit_code.endswith(("-bgs", "-zf", "-zzb")) and "-" in unit_code:
        # County bureaus and townships: section-level leadership.
        if index == 0:
            return (
                "局长" if "xz" not in unit_code else "乡镇长",
                "正科级",
                CadreCategory.SECTION_LEADER,
                True,
            )
        if index < 3:
            return (
                "副局长" if "xz" not in unit_code else "副乡镇长",
                "副科级",
                CadreCategory.SECTION_LEADER,
                True,
            )
        return "科员", "一级科员", CadreCategory.CIVIL_SERVANT, False
    if index == 0:
        return "主要负责人", "正处级", CadreCategory.COUNTY_LEADER, True
    if index < 3:
        return "副职负责人", "副处级", CadreCategory.COUNTY_LEADER, True
    if index < 5:
        return "调研员", "四级调研员", CadreCategory.SENIOR_CIVIL_SERVANT, False
    if index < 9:
        return "科长", "一级主任科员", CadreCategory.SECTION_LEADER, False
    return "科员", "二级主任科员", CadreCategory.CIVIL_SERVANT, False


def _cadre_count(code: str, kind: str) -> int:
    if code in ("xx", "qs", "lh"):
        return 12
    if kind in (K.SOE, K.PUBLIC_INSTITUTION):
        return 20
    if kind == K.INSTITUTION:
        return 8
    return 15


def _build_units(stats: Stats) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for order, (code, name, kind, parent) in enumerate(UNITS):
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            unit = Unit(code=code, name=name, kind=kind, parent=units.get(parent), sort_order=order)
            unit.full_clean()
            unit.save()
            stats.add(True)
        units[code] = unit
    return units


def _build_org_departments(units, stats) -> dict[str, OrgDepartment]:
    result = {}
    for unit_code, root_code, issuer in ORG_DEPARTMENTS:
        od, created = OrgDepartment.objects.get_or_create(
            unit=units[unit_code],
            defaults={"jurisdiction": units[root_code], "issuer_code": issuer},
        )
        if not od.contact_person:
            # Whom the department's documents name to ask (附注 under the date).
            od.contact_person = CONTACTS[len(result) % len(CONTACTS)]
            od.contact_phone = f"0000-8765{4321 + len(result):04d}"
            od.save(update_fields=["contact_person", "contact_phone"])
        if not od.seal:
            # The demo's documents are sealed as real ones are — with the placeholder
            # seal marked 样章, which is nobody's (a department uploads its own).
            od.seal.save(f"demo-{od.pk}.svg", ContentFile(SAMPLE_SEAL.read_bytes()))
        stats.add(created)
        result[root_code] = od
    return result


def _build_institutions(units, stats) -> dict[str, Institution]:
    result = {}
    for code, kind, address in INSTITUTIONS:
        inst, created = Institution.objects.get_or_create(
            unit=units[code], defaults={"kind": kind, "address": address}
        )
        stats.add(created)
        result[code] = inst
    return result


def _build_classes(ods, institutions, today, stats):
    by_unit_code = {od.unit.code: od for od in ods.values()}
    for org, inst, name, kind, offset, days, hours, quota in CLASSES:
        start = today + dt.timedelta(days=offset)
        _obj, created = TrainingClass.objects.get_or_create(
            organizer=by_unit_code[org],
            name=name,
            defaults={
                "institution": institutions[inst],
                "kind": kind,
                "start_date": start,
                "end_date": start + dt.timedelta(days=days - 1),
                "report_date": start - dt.timedelta(days=1),
                "location": institutions[inst].address,
                "credit_hours": hours,
                "days": days,
                "quota": quota,
            },
        )
        stats.add(created)


def _county_of(code: str) -> str | None:
    prefix = code.split("-")[0]
    return prefix if prefix in {c[0] for c in COUNTIES} else None


def _build_cadres(units, ods, rng: random.Random, stats) -> list[Cadre]:
    regions = {None: "130102", **{c[0]: c[3] for c in COUNTIES}}
    used_ids: set[str] = set()
    rare = list(RARE_NAMES)
    cadres, new = [], []
    existing = Cadre.objects.in_bulk(field_name="id_number")
    for code, _name, kind, _parent in UNITS:
        if kind == K.ORG_DEPARTMENT and code != "xx-zzb":
            count = 8
        else:
            count = _cadre_count(code, kind)
        county = _county_of(code)
        for index in range(count):
            position, rank, category, leader = _staff_profile(code, kind, index, county is not None)
            if county and code == county:
                # County party committee leaders are managed by the city (市管干部).
                position, rank, category = (
                    ("县委书记" if index == 0 else "县委常委"),
                    "正处级",
                    CadreCategory.COUNTY_LEADER,
                )
                leader = index < 6
            gender = Gender.MALE if rng.random() < 0.62 else Gender.FEMALE
            age = rng.randint(24, 58) if not leader else rng.randint(36, 58)
            born = dt.date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
            while True:
                seq = rng.randint(0, 499) * 2 + (1 if gender == Gender.MALE else 0)
                number = idnumber.make(regions[county], born, seq)
                if number not in used_ids:
                    used_ids.add(number)
                    break
            name = rare.pop() if rare and index == 4 else _person_name(rng)
            managing = ods["xx"]
            co_managing = None
            if county:
                managing = ods[county] if code != county or index >= 6 else ods["xx"]
                if code.endswith(("-gaj", "-czj")) and index == 0:
                    co_managing = ods["xx"]  # dual management with the city
            elif code in ("xx-ct", "xx-jt") and index < 2:
                co_managing = ods["qs"] if code == "xx-ct" else ods["lh"]
            cadre = existing.get(number)
            if cadre is None:
                cadre = Cadre(
                    name=name,
                    gender=gender,
                    id_number=number,
                    unit=units[code],
                    position=position,
                    rank=rank,
                    category=category,
                    is_leadership_member=leader,
                    is_young_cadre=(
                        age < 35 and category != CadreCategory.PROFESSIONAL and rng.random() < 0.3
                    ),
                    managing_org_department=managing,
                    co_managing_org_department=co_managing,
                )
                # The field validators (the ID number's checksum) and clean() check
                # in Python what the check constraints hold; the numbers are unique by
                # construction (used_ids), and the unit and departments are the rows
                # just read or made. Re-checking those with a query per constraint and
                # per foreign key for each cadre cost most of the seed; the database
                # still enforces them all on insert.
                cadre.full_clean(
                    exclude=["unit", "managing_org_department", "co_managing_org_department"],
                    validate_unique=False,
                    validate_constraints=False,
                )
                new.append(cadre)
                stats.add(True)
            else:
                # Keep the random stream identical on every run.
                rng.random() if age < 35 and category != CadreCategory.PROFESSIONAL else None
            cadres.append(cadre)
    # In the order drawn, so the ids (which the scenario orders by) are as before.
    Cadre.objects.bulk_create(new)
    return cadres


def _staff_name(username: str) -> str:
    """A person's name for a staff login, the same on every run (drawn from the login,
    not from the seed's random stream, so the cadres stay as they are)."""
    rng = random.Random(f"{SEED}:{username}")
    return _person_name(rng)


def _logins(units, ods, cadres) -> list[tuple]:
    """Every demo login as (username, full name, role, unit, cadre), in the order they
    are created; the superuser admin first, with no role."""
    logins = [("admin", _staff_name("admin"), None, None, None)]
    for root_code, od in ods.items():
        for suffix, role in (("dispatcher", Role.DISPATCHER), ("orghead", Role.ORG_HEAD)):
            username = f"{root_code}.{suffix}"
            logins.append((username, _staff_name(username), role, od.jurisdiction, None))
    logins.append(("xx.auditor", _staff_name("xx.auditor"), Role.AUDITOR, units["xx"], None))
    for code, _kind, _address in INSTITUTIONS:
        username = f"{code}.registrar"
        logins.append((username, _staff_name(username), Role.REGISTRAR, units[code], None))

    first_cadre = {}
    for cadre in cadres:
        first_cadre.setdefault(cadre.unit_id, cadre)
    for code, _name, kind, _parent in UNITS:
        if kind in (K.ORG_DEPARTMENT, K.INSTITUTION) or code in ("xx", "qs", "lh"):
            continue
        unit = units[code]
        head = first_cadre[unit.pk]
        logins.append((f"{code}.head", head.name, Role.DEPARTMENT_HEAD, unit, head))
        # The head's deputy, to whom the head may delegate decisions (委托副职审批).
        username = f"{code}.deputy"
        logins.append((username, _staff_name(username), Role.DEPUTY_HEAD, unit, None))
        username = f"{code}.liaison"
        logins.append((username, _staff_name(username), Role.UNIT_LIAISON, unit, None))

    # A few trainees with their own logins, in units the demo walks through.
    trainee_units = ["xx-fgw", "xx-jyj", "xx-ct", "qs-gaj", "lh-xz1"]
    for code in trainee_units:
        staff = [c for c in cadres if c.unit_id == units[code].pk and not c.is_leadership_member]
        for n, cadre in enumerate(staff[:2], start=1):
            logins.append((f"{code}.trainee{n}", cadre.name, Role.TRAINEE, None, cadre))
    return logins


def _build_users(units, ods, cadres, stats) -> list[tuple[str, str, str]]:
    """Create the demo logins missing (one INSERT, one password hash for all: they share
    the published password), grant the new ones their roles (`role_grant_many`), and link
    the cadre it is. The full name goes in first_name (Django's get_full_name() would
    put a surname in last_name after the given name); a login seeded before people had
    names gets its name now, and nothing else changes. Returns (username, role, unit)."""
    User = get_user_model()
    logins = _logins(units, ods, cadres)
    existing = User.objects.in_bulk([login[0] for login in logins], field_name="username")
    password_hash = make_password(DEMO_PASSWORD)
    new = []
    for username, full_name, _role, _unit, _cadre in logins:
        user = existing.get(username)
        if user is None:
            superuser = username == "admin"
            new.append(
                User(
                    username=username,
                    first_name=full_name,
                    password=password_hash,
                    is_staff=superuser,
                    is_superuser=superuser,
                )
            )
        elif user.first_name != full_name or user.last_name:
            User.objects.filter(pk=user.pk).update(first_name=full_name, last_name="")
    created = {user.username: user for user in User.objects.bulk_create(new)}
    stats.created += len(created)
    grants = []
    for username, _full_name, role, unit, cadre in logins:
        user = created.get(username)
        if user is None or role is None:
            continue
        grants.append((user, role, unit))
        if cadre is not None and cadre.user_id is None:
            Cadre.objects.filter(pk=cadre.pk).update(user=user)
    services.role_grant_many(actor=None, grants=grants)
    return [
        (username, role or "superuser", unit.name if unit else "")
        for username, _full_name, role, unit, _cadre in logins
    ]


@contextlib.contextmanager
def _frozen_heap():
    """The seed loads and builds a great deal that lives until it ends (Django,
    WeasyPrint's fonts, the city): frozen (gc.freeze), those objects are left out of the
    cyclic collector's passes, which would otherwise scan them again and again during
    the walk; what the walk itself makes is still collected."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@transaction.atomic
def seed(today: dt.date | None = None) -> dict:
    """Build (or complete) the demo city. Returns counts; `created` is 0 on a re-run."""
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    stats = Stats()
    units = _build_units(stats)
    ods = _build_org_departments(units, stats)
    institutions = _build_institutions(units, stats)
    _build_classes(ods, institutions, today, stats)
    cadres = _build_cadres(units, ods, rng, stats)
    logins = _build_users(units, ods, cadres, stats)
    from demo import scenario as demo_scenario
    from demo import steps

    # The walk acts as one user after another, as page after page would: each user's
    # grants are read once (org.reachcache; the walk changes no grant, and a change
    # would forget them).
    with _frozen_heap(), reachcache.scope():
        if demo_scenario.run(today):
            stats.add(True)
        if steps.run_all(today):
            stats.add(True)
    if stats.created:
        record_event(
            actor=None,
            verb="demo.seed",
            target=units["xx"],
            after={"created": stats.created},
        )
    return {
        "created": stats.created,
        "units": len(units),
        "cadres": len(cadres),
        "logins": logins,
    }
