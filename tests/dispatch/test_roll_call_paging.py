"""A roll call's page and its acknowledgement list are paged (100 rows) at a flat query
count, with their counts from one aggregate query (issue 14 item 1)."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.models import DispatchStatus, RollCall
from tests.factories import cadre, training_class


@pytest.fixture
def roll_call(world):
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=500
    )
    return RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode="named",
        response_deadline=timezone.now() + dt.timedelta(days=5),
        created_by=world.bob,
    )


def _name(roll_call, people):
    """Name `people` and mark every notice of the roll call issued."""
    services.dispatches_create(actor=roll_call.created_by, roll_call=roll_call, cadres=people)
    roll_call.dispatches.update(notice_reference="X组调〔2027〕1号", status=DispatchStatus.NOTIFIED)


@pytest.mark.parametrize("path", ["", "acknowledgements/"])
def test_a_roll_call_page_is_paged_at_a_flat_query_count(
    world, login, roll_call, path, django_assert_max_num_queries
):
    client = login(world.bob)
    url = f"/rollcalls/{roll_call.pk}/{path}"
    _name(roll_call, [world.cadre_a])
    client.get(url)  # warm: the header's session cache, content types
    with django_assert_max_num_queries(16) as one:
        first = client.get(url)
    assert first.status_code == 200 and world.cadre_a.name in first.content.decode()
    queries = len(one)  # now: the connection's query log is a bounded deque
    _name(roll_call, [cadre(f"干部{i:03}", world.a1, world.city_od) for i in range(149)])
    with django_assert_max_num_queries(queries):
        page = client.get(url).content.decode()
    shown = [f"干部{i:03}" for i in range(149) if f"干部{i:03}" in page]
    assert 0 < len(shown) <= 100
    assert "第1页，共2页" in page
    rest = client.get(url, {"page": 2}).content.decode()
    assert not any(name in rest for name in shown)
    if path:
        assert "150" in page  # the count of all notices, not of the page's rows


def test_the_acknowledgement_counts_come_from_the_whole_roll_call(world, roll_call):
    from dispatch import selectors

    _name(roll_call, [world.cadre_a, world.cadre_a1])
    roll_call.dispatches.filter(cadre=world.cadre_a).update(
        status=DispatchStatus.ACKNOWLEDGED, acknowledged_at=timezone.now()
    )
    assert selectors.acknowledgement_counts(roll_call) == {"total": 2, "pending": 1}
