"""My tasks, on the home page and /tasks/: what may be claimed with a button to claim it,
what is mine with a link to its form, only for those who may take them, at a flat cost."""

import pytest
from django.utils import timezone

from dispatch.models import Dispatch
from tests.factories import cadre, training_class
from tests.flowtools import issue_roll_call, open_task, process_of, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def test_the_home_page_lists_claimable_tasks_with_a_button_to_claim_them(
    world, staff, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    client.force_login(staff.lily)
    page = client.get("/").content.decode()
    assert "我的待办" in page
    assert f'href="{task_url(task, "assign")}"' in page
    assert "王堃" in page  # the subject: whom the task is about
    assert "待认领" in page and "办理" in page
    due = timezone.localtime(Dispatch.objects.get().confirm_due)
    assert f"{due.year}年{due.month}月{due.day}日" in page


def test_an_assigned_task_links_straight_to_its_form(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 302
    for url in ["/", "/tasks/", "/tasks/?show=mine"]:
        page = client.get(url).content.decode()
        assert f'href="{task_url(task, "execute")}"' in page, url
        assert "已分配给您" in page
    assert task_url(task, "execute") not in client.get("/tasks/?show=queue").content.decode()
    assert client.get(task_url(task, "execute")).status_code == 200


def test_tasks_are_listed_only_for_those_who_may_take_them(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_b])
    task_a = open_task(process_of(world.cadre_a.dispatches.get(), "DispatchFlow"), "confirm")
    task_b = open_task(process_of(world.cadre_b.dispatches.get(), "DispatchFlow"), "confirm")
    client.force_login(staff.luke)  # liaison of B only
    page = client.get("/tasks/").content.decode()
    assert task_url(task_b, "assign") in page
    assert task_url(task_a, "assign") not in page
    client.force_login(world.charlie)  # department head of B: nothing to confirm
    page = client.get("/").content.decode()
    assert task_url(task_a, "assign") not in page and task_url(task_b, "assign") not in page
    assert "暂无待办事项" in page


def test_the_task_lists_keep_a_flat_query_count(
    world, staff, klass, client, django_assert_max_num_queries
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    client.force_login(staff.lily)
    counts = {}
    for url in ["/", "/tasks/"]:
        with django_assert_max_num_queries(60) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured)
    more = [cadre(f"干部{i}", world.a1, world.city_od) for i in range(9)]
    issue_roll_call(
        client, world, training_class(world.city_od, world.school, klass.start_date), more
    )
    client.force_login(staff.lily)
    for url, before in counts.items():
        with django_assert_max_num_queries(before):
            page = client.get(url).content.decode()
        assert page.count("/assign/") >= 10, url


def test_the_flow_menu_names_its_assigned_list_apart_from_my_tasks(world, staff, klass, client):
    """Viewflow's own list of the tasks assigned to the user (its tab on the workflow
    pages) is 已分配给您: 我的待办 is the header's whole list, queue included."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    client.force_login(staff.lily)
    page = client.get(task_url(task, "assign")).content.decode()
    assert '<span class="mdc-list-item__content">已分配给您</span>' in page
    assert '<span class="mdc-list-item__content">我的待办</span>' not in page
