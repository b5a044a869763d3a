"""Object permissions on units reach the whole subtree, and nothing outside it."""

import datetime as dt

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from dispatch import selectors
from tests.factories import training_class, user


def names(qs):
    return {c.name for c in qs}


def test_a_department_head_reaches_their_unit_and_its_subunits(world):
    assert names(selectors.cadres_in_reach(world.alice)) == {"王堃", "李玥"}
    assert set(selectors.units_in_reach(world.alice)) == {world.a, world.a1}


def test_department_heads_of_two_units_never_see_each_other(world):
    assert world.cadre_b not in selectors.cadres_in_reach(world.alice)
    assert names(selectors.cadres_in_reach(world.charlie)) == {"张喆"}
    assert world.cadre_a not in selectors.cadres_in_reach(world.charlie)


def test_two_org_departments_are_isolated_downwards(world):
    # The city department reaches the county; the county department not the city.
    assert names(selectors.cadres_in_reach(world.bob)) == {"王堃", "李玥", "张喆"}
    assert names(selectors.cadres_in_reach(world.carol)) == {"张喆"}


def test_permissions_are_per_kind(world):
    assert selectors.units_in_reach(world.alice, "approve_as_head").filter(pk=world.a1.pk).exists()
    assert not selectors.units_in_reach(world.alice, "issue_dispatch").exists()
    assert selectors.units_in_reach(world.bob, "issue_dispatch").filter(pk=world.b.pk).exists()


def test_a_trainee_reaches_only_their_own_record(world):
    assert names(selectors.cadres_in_reach(world.dave)) == {"王堃"}
    assert not selectors.units_in_reach(world.dave).exists()


def test_a_user_without_grants_reaches_nothing(world):
    assert not selectors.cadres_in_reach(world.nobody).exists()
    assert not selectors.classes_in_reach(world.nobody).exists()


def test_group_grants_reach_the_subtree_too(world):
    group = Group.objects.create(name="某县公安局全体联络员")
    assign_perm("dispatch.read_scope", group, world.county)
    eve = user("eve")
    eve.groups.add(group)
    assert names(selectors.cadres_in_reach(eve)) == {"张喆"}


def test_reach_is_a_single_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(selectors.cadres_in_reach(world.alice))
    with django_assert_num_queries(1):
        list(selectors.classes_in_reach(world.bob))


def test_classes_are_reached_by_organizer_and_by_institution(world):
    start = dt.date.today() + dt.timedelta(days=20)
    city_class = training_class(world.city_od, world.school, start)
    county_class = training_class(world.county_od, world.school, start)
    assert set(selectors.classes_in_reach(world.bob)) == {city_class, county_class}
    assert set(selectors.classes_in_reach(world.carol)) == {county_class}
    assert set(selectors.classes_in_reach(world.rita)) == {city_class, county_class}
    assert not selectors.classes_in_reach(world.alice).exists()
