"""Viewflow's task lists stay bounded as the work grows (issue 14 item 1): the queue is
paged and its filter does not list every process of the queue."""

import pytest

from tests.factories import cadre
from tests.flowtools import issue_roll_call

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40, quota=100)


def test_the_queue_page_does_not_grow_with_its_processes(
    world, staff, klass, client, django_assert_max_num_queries
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    client.force_login(staff.lily)
    client.get("/workflow/dispatch/queue/")  # the menu's counts cached once
    with django_assert_max_num_queries(40) as one:
        small = client.get("/workflow/dispatch/queue/").content.decode()
    queries = len(one)  # now: the connection's query log is a bounded deque
    more = [cadre(f"干部{i:02}", world.a, world.city_od) for i in range(30)]
    issue_roll_call(client, world, klass, more)
    client.force_login(staff.lily)
    client.get("/workflow/dispatch/queue/")  # the new session's menu, cached again
    with django_assert_max_num_queries(queries):
        large = client.get("/workflow/dispatch/queue/").content.decode()
    assert large.count("/confirm/") > small.count("/confirm/")
    # Viewflow's own filter offered every process of the queue as a choice (JSON in the
    # select's attribute): the filter's choices must not grow with the queue.
    assert large.count("&quot;value&quot;") == small.count("&quot;value&quot;")
    # 25 rows a page, not 31.
    assert large.count("/confirm/") <= 25 * 2
    assert len(large) < len(small) + 25 * 2_000


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999", "3"])
@pytest.mark.parametrize("view", ["inbox", "queue", "archive", "flows"])
def test_a_page_number_that_is_no_page_shows_the_nearest_page(
    world, staff, klass, client, view, page
):
    """As every other list: the first page for a number that is none, the last one past
    the end; never Viewflow's 404 (页面不存在)."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    client.force_login(staff.lily)
    response = client.get(f"/workflow/dispatch/{view}/?page={page}")
    assert response.status_code == 200, (view, page)
