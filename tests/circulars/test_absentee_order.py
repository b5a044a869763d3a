"""The circular's list of unexcused absentees: every absent dispatch of the period in the
department's reach and nothing else, by unit in path order (not the units' ids), then
name in the database's collation, the class's start date (not its id) and the dispatch."""

import datetime as dt

from circulars.selectors import absentee_rows
from circulars.services import circular_figures
from dispatch.models import Dispatch, DispatchStatus
from org.models import Cadre, OrgDepartment, UnitKind
from tests.factories import aware, cadre, training_class, unit

START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)


def absent(person, klass, status=DispatchStatus.ABSENT, unit=None):
    return Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=unit or person.unit,
        status=status,
        confirm_due=aware(klass.start_date - dt.timedelta(days=3)),
    )


def test_absentees_are_listed_by_unit_path_name_and_class_date(world):
    # Created in an order where ids disagree with the order printed: the class starting
    # later has the smaller id, and the unit added last under 发改委 has the largest id
    # but sorts, by path, before the county's units.
    later = training_class(world.city_od, world.school, dt.date(2026, 5, 4), name="后期班")
    earlier = training_class(world.city_od, world.school, dt.date(2026, 2, 2), name="前期班")
    outside = training_class(world.city_od, world.school, dt.date(2026, 8, 3), name="期外班")
    late_unit = unit("某市发改委后设处", world.a)
    elsewhere = unit("外市某委", kind=UnitKind.PARTY_ORGAN)
    elsewhere_od = OrgDepartment.objects.create(
        unit=unit("外市某委组织部", elsewhere, kind=UnitKind.ORG_DEPARTMENT),
        jurisdiction=elsewhere,
        issuer_code="外组通",
    )
    zhao = cadre("赵强", world.a, world.city_od)
    an = cadre("安然", world.a, world.city_od)
    county = cadre("周县", world.b, world.county_od)
    newcomer = cadre("钱新", late_unit, world.city_od)
    stranger = cadre("孙外", elsewhere, elsewhere_od)
    for person in (zhao, an, county, newcomer, world.cadre_a):
        absent(person, later)
        absent(person, earlier)
    absent(world.cadre_a1, earlier)
    # Not on the list: another status, a class outside the period, a unit out of reach.
    absent(world.cadre_a1, later, status=DispatchStatus.ATTENDED)
    absent(world.cadre_b, earlier, status=DispatchStatus.CANCELLED)
    absent(zhao, outside)
    absent(stranger, earlier)

    figures = circular_figures(org_department=world.city_od, start=START, end=END)

    absentees = absentee_rows(figures)
    names = [a["name"] for a in absentees]
    # The names within a unit follow the database's collation, as the former query did.
    in_a = list(
        Cadre.objects.filter(pk__in=[zhao.pk, an.pk, world.cadre_a.pk])
        .order_by("name")
        .values_list("name", flat=True)
    )
    expected_units = ["某市发展和改革委员会"] * 6 + [
        "综合科",
        "某市发改委后设处",
        "某市发改委后设处",
    ]
    expected_units += ["某县公安局", "某县公安局"]
    assert [a["unit"] for a in absentees] == expected_units
    assert names == [n for n in in_a for _ in (1, 2)] + ["李玥", "钱新", "钱新", "周县", "周县"]
    # Each person's two classes in order of their dates, whatever the classes' ids.
    assert [a["missed_class"] for a in absentees if a["name"] == "钱新"] == [
        "前期班",
        "后期班",
    ]
    assert all(
        [a["missed_class"] for a in absentees if a["name"] == name] == ["前期班", "后期班"]
        for name in (*in_a, "周县")
    )
    # Complete and reconciled: one line per absent dispatch, unit by unit.
    per_unit = {row["unit"]: row["absent"] for row in figures["units"]}
    assert len(names) == figures["totals"]["absent"] == 11
    for row_unit, count in per_unit.items():
        assert expected_units.count(row_unit) == count


def test_absentees_equal_the_single_ordered_query(world):
    """The list equals the former one-statement read (joined to units and classes and
    sorted by the database), here with units whose ids and paths disagree."""
    classes = [
        training_class(world.city_od, world.school, day, name=f"班{n}")
        for n, day in enumerate([dt.date(2026, 6, 1), dt.date(2026, 1, 5), dt.date(2026, 3, 1)])
    ]
    units = [world.b, unit("乙处", world.a), world.a1, unit("甲处", world.a1), world.a]
    for n, u in enumerate(units):
        for k in range(3):
            person = cadre(f"{'张王李赵'[(n + k) % 4]}{k}", u, world.city_od)
            for klass in classes[k:]:
                absent(person, klass)
            if k:
                absent(person, classes[0], status=DispatchStatus.EXEMPT)
    figures = circular_figures(org_department=world.city_od, start=START, end=END)
    former = [
        {"name": name, "unit": unit_name, "missed_class": klass}
        for name, unit_name, klass in Dispatch.objects.filter(
            status=DispatchStatus.ABSENT,
            training_class__start_date__gte=START,
            training_class__start_date__lte=END,
        )
        .order_by("unit__path", "cadre__name", "training_class__start_date", "pk")
        .values_list("cadre__name", "unit__name", "training_class__name")
    ]
    assert len(former) == 5 * (3 + 2 + 1)
    assert absentee_rows(figures) == former
