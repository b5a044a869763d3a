"""The dispatch and roll call lists: refused to users without a role, at a flat query
count."""

import datetime as dt

from tests.factories import cadre, training_class


def test_dispatch_pages_refuse_users_without_a_role(world, login):
    client = login(world.nobody)
    for url in ["/rollcalls/", "/dispatches/", "/dispatches/overdue/"]:
        assert client.get(url).status_code == 403, url


def test_dispatch_list_query_count_is_flat(world, login, django_assert_max_num_queries):
    from django.utils import timezone

    from dispatch import services
    from dispatch.models import RollCall

    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=50
    )
    roll_call = RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode="named",
        response_deadline=timezone.now() + dt.timedelta(days=5),
        created_by=world.bob,
    )
    client = login(world.bob)
    services.dispatches_create(actor=world.bob, roll_call=roll_call, cadres=[world.cadre_a])
    with django_assert_max_num_queries(11):
        assert client.get("/dispatches/").status_code == 200
    more = [cadre(f"干部{i}", world.a1, world.city_od) for i in range(30)]
    services.dispatches_create(actor=world.bob, roll_call=roll_call, cadres=more)
    with django_assert_max_num_queries(11):
        response = client.get("/dispatches/")
    assert "干部29" in response.content.decode()
    with django_assert_max_num_queries(11):
        assert client.get("/rollcalls/").status_code == 200


def test_a_liaison_without_roll_calls_is_pointed_to_the_dispatches(client, staff):
    """Roll calls belong to organization departments: a unit's liaison sees none, and the
    empty list says where the unit's cadres called to training are."""
    client.force_login(staff.lily)
    page = client.get("/rollcalls/").content.decode()
    assert "本单位干部的调训见" in page and 'href="/dispatches/"' in page
