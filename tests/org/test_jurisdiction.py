"""Object permissions on units reach the whole subtree, and nothing outside it."""

import datetime as dt

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from dispatch import selectors
from org import reachcache
from org import selectors as org_selectors
from tests.factories import training_class, user


def names(qs):
    return {c.name for c in qs}


def test_a_department_head_reaches_their_unit_and_its_subunits(world):
    assert names(org_selectors.cadres_in_reach(world.alice)) == {"王堃", "李玥"}
    assert set(org_selectors.units_in_reach(world.alice)) == {world.a, world.a1}


def test_department_heads_of_two_units_never_see_each_other(world):
    assert world.cadre_b not in org_selectors.cadres_in_reach(world.alice)
    assert names(org_selectors.cadres_in_reach(world.charlie)) == {"张喆"}
    assert world.cadre_a not in org_selectors.cadres_in_reach(world.charlie)


def test_two_org_departments_are_isolated_downwards(world):
    # The city department reaches the county; the county department not the city.
    assert names(org_selectors.cadres_in_reach(world.bob)) == {"王堃", "李玥", "张喆"}
    assert names(org_selectors.cadres_in_reach(world.carol)) == {"张喆"}


def test_permissions_are_per_kind(world):
    assert (
        org_selectors.units_in_reach(world.alice, "approve_as_head").filter(pk=world.a1.pk).exists()
    )
    assert not org_selectors.units_in_reach(world.alice, "issue_dispatch").exists()
    assert org_selectors.units_in_reach(world.bob, "issue_dispatch").filter(pk=world.b.pk).exists()


def test_a_trainee_reaches_only_their_own_record(world):
    assert names(org_selectors.cadres_in_reach(world.dave)) == {"王堃"}
    assert not org_selectors.units_in_reach(world.dave).exists()


def test_a_user_without_grants_reaches_nothing(world):
    assert not org_selectors.cadres_in_reach(world.nobody).exists()
    assert not selectors.classes_in_reach(world.nobody).exists()


def test_group_grants_reach_the_subtree_too(world):
    group = Group.objects.create(name="某县公安局全体联络员")
    assign_perm("org.read_scope", group, world.county)
    eve = user("eve")
    eve.groups.add(group)
    assert names(org_selectors.cadres_in_reach(eve)) == {"张喆"}


def test_reach_reads_the_grants_once_a_request_then_one_query_a_list(
    world, django_assert_num_queries
):
    with reachcache.scope():  # as while a request is answered
        with django_assert_num_queries(2):  # the grants, then the cadres
            list(org_selectors.cadres_in_reach(world.alice))
        with django_assert_num_queries(1):
            list(org_selectors.cadres_in_reach(world.alice))
        with django_assert_num_queries(2):
            list(selectors.classes_in_reach(world.bob))


def test_classes_are_reached_by_organizer_and_by_institution(world):
    start = dt.date.today() + dt.timedelta(days=20)
    city_class = training_class(world.city_od, world.school, start)
    county_class = training_class(world.county_od, world.school, start)
    assert set(selectors.classes_in_reach(world.bob)) == {city_class, county_class}
    assert set(selectors.classes_in_reach(world.carol)) == {county_class}
    assert set(selectors.classes_in_reach(world.rita)) == {city_class, county_class}
    assert not selectors.classes_in_reach(world.alice).exists()


def test_the_co_managing_department_reaches_its_cadre_across_jurisdictions(world):
    """卢兰 works in a city unit; the county department co-manages her (dual management).
    The county's org department head reads her record, no other city cadre; a unit head
    of the county does not."""
    from tests.factories import cadre

    lu = cadre("卢兰", world.a, world.city_od, co_managing_org_department=world.county_od)
    county_head = user("olga", "org_head", world.county)
    assert names(org_selectors.cadres_in_reach(county_head)) == {"张喆", "卢兰"}
    assert names(org_selectors.cadres_in_reach(world.carol)) == {"张喆", "卢兰"}
    assert lu not in org_selectors.cadres_in_reach(world.charlie)
    # Reading only: acting on the cadre stays with the jurisdiction of her unit.
    assert lu not in org_selectors.cadres_in_reach(world.carol, "issue_dispatch")


def test_the_widened_reach_is_still_one_query(world, django_assert_num_queries):
    county_head = user("olga", "org_head", world.county)
    with reachcache.scope(), django_assert_num_queries(2):  # the grants, then the cadres
        list(org_selectors.cadres_in_reach(county_head))


def test_the_co_managing_department_sees_what_it_decides(world, client):
    """The county's org department head decides a request about a city cadre the county
    co-manages: she opens the cadre, the training record, the dispatch and the approval
    (which her process list shows); the county's unit head opens none of them."""
    from approvals.models import ApprovalRequest
    from dispatch.models import Dispatch
    from tests.factories import cadre
    from tests.flowtools import Staff, act, deadline, open_task, process_of, task_url

    staff = Staff(world)
    lu = cadre("卢兰", world.a, world.city_od, co_managing_org_department=world.county_od)
    klass = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=30))
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(),
            "cadres": [lu.pk],
        },
    )
    assert response.status_code == 302
    dispatch_process = process_of(Dispatch.objects.get(cadre=lu), "DispatchFlow")
    client.force_login(staff.lily)
    act(
        client,
        open_task(dispatch_process, "confirm"),
        {"action": "request", "kind": "leave", "reason": "重大项目攻坚"},
    )
    approval = ApprovalRequest.objects.get()
    approval_process = process_of(approval, "ApprovalFlow")
    client.force_login(world.alice)
    act(client, open_task(approval_process, "head_review"), {"decision": "approved"})
    task = open_task(approval_process, "co_managing_review")

    pages = [
        f"/cadres/{lu.pk}/",
        f"/cadres/{lu.pk}/record/",
        f"/workflow/dispatch/{dispatch_process.pk}/",
        f"/workflow/approval/{approval_process.pk}/",
    ]
    client.force_login(world.charlie)
    for url in pages[:2]:  # the cadre and their record: out of reach
        assert client.get(url).status_code == 404, url
    # The processes are out of reach too: Viewflow's process pages answer 404 as well.
    for url in pages[2:]:
        assert client.get(url).status_code == 404, url
    listed = client.get("/workflow/approval/").content.decode()
    assert f"/workflow/approval/{approval_process.pk}/" not in listed
    client.force_login(staff.olga)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "卢兰" in response.content.decode(), url
    listed = client.get("/workflow/approval/").content.decode()
    assert f"/workflow/approval/{approval_process.pk}/" in listed
    assert act(client, task, {"decision": "approved"}).status_code == 302
    assert client.get(task_url(task)).status_code == 302  # the task is done: to its detail
