"""Viewflow's own pages, in Chinese and without raw values: the lists and menus, the
process page, the chart's labels and the cancel page (offered to administrators only)."""

import re

import pytest
from django.contrib.auth import get_user_model

from dispatch.models import Dispatch
from tests.flowtools import at_attendance, issue_roll_call, process_of

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def test_viewflow_cancel_is_offered_to_nobody(world, staff, klass, client):
    """Viewflow's cancel changes flow state without the domain services or an audit
    event (the dispatch would stay 已点名 with no step left): nobody is offered it,
    administrators included; business cancellations have their own audited pages."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    cancel = f"/workflow/dispatch/{process.pk}/cancel/"
    for person in (world.bob, get_user_model().objects.create_superuser("root", password="x")):
        client.force_login(person)
        assert cancel not in client.get(f"/workflow/dispatch/{process.pk}/").content.decode()
        assert client.get(cancel).status_code == 403


def test_the_menu_counts_the_registrar_queue_as_the_list_shows_it(world, staff, klass, client):
    at_attendance(client, world, staff, klass)
    client.force_login(world.rita)
    page = client.get("/workflow/dispatch/queue/").content.decode()
    assert page.count("/record_attendance/") >= 1
    queue_item = re.search(
        r"待认领</span>\s*<span class=\"mdc-list-item__meta\">(\d+)</span>", page
    )
    assert queue_item and queue_item.group(1) == "1"


def test_viewflow_lists_and_menus_are_in_chinese(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    client.force_login(world.bob)
    page = client.get("/workflow/dispatch/flows/?status=NEW").content.decode()
    for english in ["Process id", "Brief", "Active tasks", " of 1", "Filter<"]:
        assert english not in page, english
    for chinese in ["编号", "内容", "未办结事项", "第 1–1 条，共 1 条", "筛选条件"]:
        assert chinese in page, chinese
    # The status filter (JSON in an attribute): an open process is 进行中, not 待认领.
    assert "进行中".encode("unicode_escape").decode() in page
    assert "待认领".encode("unicode_escape").decode() not in page
    assert "Yesterday" not in page
    assert "<title>" in page and re.search(r"<title>[^<]*调训[^<]*训调</title>", page)
    client.force_login(staff.lily)
    page = client.get("/workflow/dispatch/queue/").content.decode()
    menu = page.split('<nav class="xd-flow-menu"', 1)[1].split("</nav>", 1)[0]
    assert "已分配给您" in menu and ">消息<" not in menu
    assert re.search(r"<title>\s*待认领 · 调训 · 训调\s*</title>", page)


def test_the_process_page_has_no_raw_fields(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(world.bob)
    page = client.get(f"/workflow/dispatch/{process.pk}/").content.decode()
    for english in ["Subject type", "Subject id", "Parent Task", "Artifact", "True", "False"]:
        assert english not in page, english
    assert "进行中" in page and "待认领" in page  # the process, then its open task
    assert "{&#x27;" not in page and "{'" not in page  # no raw JSON


def test_a_name_is_shown_as_written(world, client):
    get_user_model().objects.filter(pk=world.bob.pk).update(first_name="XX市调训专员张伟")
    client.force_login(world.bob)
    page = client.get("/workflow/dispatch/").content.decode()
    assert "XX市调训专员张伟" in page and "Xx市" not in page


def test_the_chart_labels_gateway_edges_in_chinese(world, client):
    client.force_login(world.bob)
    svg = client.get("/workflow/dispatch/chart/").content.decode()
    labels = re.findall(r'<text class="edge-label"[^>]*>([^<]*)</text>', svg)
    assert labels and set(labels) <= {"是", "否"}, labels
    bpmn = client.get("/workflow/dispatch/chart/?format=bpmn").content.decode()
    assert bpmn.startswith("<?xml")
    assert 'name="是"' in bpmn and 'name="yes"' not in bpmn


def test_the_lists_dashboard_button_is_named_for_where_it_goes(world, staff, klass, client):
    """The floating button on Viewflow's process and task lists leads to the flow's
    dashboard (概览), and a screen reader says so — not 流程列表, the page it is on."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    client.force_login(world.bob)
    for url in ["/workflow/dispatch/flows/", "/workflow/dispatch/tasks/"]:
        page = client.get(url).content.decode()
        button = re.search(r'<a href="/workflow/dispatch/"[^>]*class="mdc-fab"[^>]*>', page)
        assert button, url
        assert 'aria-label="概览"' in button.group(0), button.group(0)
