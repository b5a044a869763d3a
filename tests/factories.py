"""Small builders for tests: a city with one county, and people in each role."""

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from dispatch.models import Dispatch, Institution, InstitutionKind, TrainingClass
from ledger.models import HourRecord
from org import idnumber, services
from org.models import Cadre, CadreCategory, Gender, OrgDepartment, Unit, UnitKind

_seq = itertools.count(1)
_source_keys = itertools.count(1)


def unit(name, parent=None, kind=UnitKind.GOVERNMENT, code=None):
    u = Unit(code=code or f"u{next(_seq)}", name=name, kind=kind, parent=parent)
    u.full_clean()
    u.save()
    return u


def id_number(male=True, born=dt.date(1980, 5, 17)):
    n = next(_seq)
    born = born + dt.timedelta(days=n // 400)  # 500 sequence numbers per birth date
    return idnumber.make("110101", born, (n * 2 + (1 if male else 0)) % 1000)


def cadre(name, unit, managing, **extra):
    male = extra.pop("male", True)
    c = Cadre(
        name=name,
        gender=Gender.MALE if male else Gender.FEMALE,
        id_number=id_number(male),
        unit=unit,
        position=extra.pop("position", "科员"),
        category=extra.pop("category", CadreCategory.CIVIL_SERVANT),
        managing_org_department=managing,
        **extra,
    )
    c.full_clean()
    c.save()
    return c


def user(username, role=None, unit=None, **extra):
    u = get_user_model().objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        services.role_grant(actor=None, user=u, role=role, unit=unit)
    return u


def training_class(organizer, institution, start, days=5, **extra):
    c = TrainingClass(
        name=extra.pop("name", f"培训班{next(_seq)}"),
        institution=institution,
        organizer=organizer,
        start_date=start,
        end_date=start + dt.timedelta(days=days - 1),
        report_date=start,
        location="党校",
        # 40 hours, or 8 a day for a shorter class (TrainingClass.clean: at most 8 a day).
        credit_hours=extra.pop("credit_hours", 8 * min(days, 5)),
        days=days,
        quota=extra.pop("quota", 30),
        **extra,
    )
    c.full_clean()
    c.save()
    return c


def credit(person, hours, date, kind="concentrated", days=None, status="recognized"):
    """Hours in the ledger, written directly (as a class would have credited them)."""
    return HourRecord.objects.create(
        cadre=person,
        hours=Decimal(str(hours)),
        date=date,
        kind=kind,
        days=days,
        source="class",
        source_key=f"t:{next(_source_keys)}",
        status=status,
    )


def aware(day: dt.date, hour=9):
    """`day` at `hour` o'clock in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class World:
    """中共市委 (R) → 市委组织部, 市发改委 (A) → 综合科 (A1), 党校 (I),
    县委 (C) → 县组织部, 县公安局 (B).

    Alice heads unit A; Bob is the city dispatcher; Carol the county dispatcher;
    Charlie heads unit B (a stranger to A); Dave is a trainee in A; Rita the school registrar.
    """

    def __init__(self):
        self.root = unit("中共某市委", kind=UnitKind.PARTY_ORGAN)
        self.city_od_unit = unit("中共某市委组织部", self.root, kind=UnitKind.ORG_DEPARTMENT)
        self.city_od = OrgDepartment.objects.create(
            unit=self.city_od_unit, jurisdiction=self.root, issuer_code="X组通"
        )
        self.a = unit("某市发展和改革委员会", self.root)
        self.a1 = unit("综合科", self.a)
        self.school_unit = unit("中共某市委党校", self.root, kind=UnitKind.INSTITUTION)
        self.school = Institution.objects.create(
            unit=self.school_unit, kind=InstitutionKind.PARTY_SCHOOL
        )
        self.county = unit("中共某县委", self.root, kind=UnitKind.PARTY_ORGAN)
        self.county_od_unit = unit("中共某县委组织部", self.county, kind=UnitKind.ORG_DEPARTMENT)
        self.county_od = OrgDepartment.objects.create(
            unit=self.county_od_unit, jurisdiction=self.county, issuer_code="县组通"
        )
        self.b = unit("某县公安局", self.county)

        self.cadre_a = cadre("王堃", self.a, self.city_od)
        self.cadre_a1 = cadre("李玥", self.a1, self.city_od, male=False)
        self.cadre_b = cadre(
            "张喆", self.b, self.county_od, co_managing_org_department=self.city_od
        )

        self.alice = user("alice", "department_head", self.a)
        self.bob = user("bob", "dispatcher", self.root)
        self.carol = user("carol", "dispatcher", self.county)
        self.charlie = user("charlie", "department_head", self.b)
        self.dave = user("dave", "trainee")
        Cadre.objects.filter(pk=self.cadre_a.pk).update(user=self.dave)
        self.rita = user("rita", "registrar", self.school_unit)
        self.nobody = user("nobody")


def attended(world, person, start, kind="main"):
    """`person` attended a 5-day class of the city starting on `start` (it ends 4 days
    later): the dispatch is recorded as attended, as the training-cycle rules read it."""
    klass = training_class(world.city_od, world.school, start, kind=kind)
    Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=person.unit,
        status="attended",
        confirm_due=timezone.now(),
    )
    return klass
