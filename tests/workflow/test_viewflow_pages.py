"""What people see: the way to their tasks, no link that ends in 403, Viewflow's pages in
Chinese, and names and labels instead of raw values."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from dispatch.models import Dispatch, Makeup
from tests.factories import cadre, training_class
from tests.flowtools import (
    act,
    issue_roll_call,
    open_task,
    process_of,
    start_class,
    task_url,
)

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def at_attendance(client, world, staff, klass):
    """A dispatch of cadre A waiting for the school's registrar (rita)."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    start_class(klass)
    return process


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/"):
            self.hrefs.append(href)


def links(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.hrefs


# -- 1. the way to the tasks ---------------------------------------------------------------


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


# -- 2. no link that ends in 403 -------------------------------------------------------------

DEMO_LOGINS = [
    "admin",
    "xx.dispatcher",
    "xx.orghead",
    "qs.dispatcher",
    "xx.auditor",
    "xx-dx.registrar",
    "xx-fgw.head",
    "xx-fgw.liaison",
    "lh-xz1.liaison",
    "xx-fgw.trainee1",
]


def test_every_link_on_the_home_page_opens_for_every_demo_role(db, client):
    call_command("seed_demo", "--force", verbosity=0)
    User = get_user_model()
    for username in DEMO_LOGINS:
        client.force_login(User.objects.get(username=username))
        page = client.get("/").content.decode()
        hrefs = sorted(set(links(page)))
        assert hrefs, username
        for href in hrefs:
            response = client.get(href, follow=True)
            assert response.status_code == 200, (username, href, response.status_code)


def test_a_trainee_sees_only_home_messages_and_their_record(world, client):
    client.force_login(world.dave)
    page = client.get("/").content.decode()
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert set(links(header)) == {
        "/",
        reverse("notifications:inbox"),
        f"/cadres/{world.cadre_a.pk}/record/",
    }
    for name in ["单位", "干部", "调训情况", "逾期事项", "学时达标", "流程"]:
        assert f">{name}</a>" not in header, name


def test_the_forbidden_page_is_chinese_and_leads_home(world, client):
    client.force_login(world.dave)
    response = client.get("/units/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page and "返回首页" in page and 'href="/"' in page
    assert "Django Material" not in page
    response = client.get("/cadres/999999/")
    assert response.status_code == 404
    assert "返回首页" in response.content.decode()


def test_only_a_dispatcher_is_offered_to_issue_a_roll_call(world, staff, client):
    client.force_login(world.bob)
    assert "/workflow/rollcall/start/" in client.get("/rollcalls/").content.decode()
    assert "/workflow/rollcall/start/" in client.get("/").content.decode()
    for person in (world.alice, staff.lily, staff.oscar):
        client.force_login(person)
        assert "/workflow/rollcall/start/" not in client.get("/rollcalls/").content.decode()
        assert client.get("/workflow/rollcall/start/").status_code == 403


def test_suggestions_and_acknowledgements_are_offered_only_to_those_allowed(
    world, staff, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    roll_call = Dispatch.objects.get().roll_call
    candidates = f"/classes/{klass.pk}/candidates/"
    acknowledgements = f"/rollcalls/{roll_call.pk}/acknowledgements/"
    client.force_login(world.bob)
    assert candidates in client.get(f"/classes/{klass.pk}/").content.decode()
    page = client.get(f"/rollcalls/{roll_call.pk}/").content.decode()
    assert acknowledgements in page and 'name="reason"' in page
    client.force_login(staff.oscar)  # the city's org department head
    assert candidates not in client.get(f"/classes/{klass.pk}/").content.decode()
    assert client.get(candidates).status_code == 403
    page = client.get(f"/rollcalls/{roll_call.pk}/").content.decode()
    assert acknowledgements not in page and 'name="reason"' not in page
    assert client.get(acknowledgements).status_code == 403


def test_viewflow_cancel_is_offered_to_administrators_only(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    cancel = f"/workflow/dispatch/{process.pk}/cancel/"
    client.force_login(world.bob)
    assert cancel not in client.get(f"/workflow/dispatch/{process.pk}/").content.decode()
    assert client.get(cancel).status_code == 403
    admin = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(admin)
    assert cancel in client.get(f"/workflow/dispatch/{process.pk}/").content.decode()


# -- 3. the registrar -------------------------------------------------------------------------


def test_claim_and_continue_takes_the_registrar_to_the_attendance_form(world, staff, klass, client):
    process = at_attendance(client, world, staff, klass)
    task = open_task(process, "record_attendance")
    client.force_login(world.rita)
    response = client.post(task_url(task, "assign"), {"_continue": "1"})
    assert response.status_code == 302
    assert response.url == task_url(task, "execute")
    page = client.get(response.url).content.decode()
    assert "已认领该事项" in page and "事项 已认领" not in page
    # The process page is not the registrar's, so the form does not link to it.
    assert f'href="/workflow/dispatch/{process.pk}/"' not in page


def test_the_menu_counts_the_registrar_queue_as_the_list_shows_it(world, staff, klass, client):
    at_attendance(client, world, staff, klass)
    client.force_login(world.rita)
    page = client.get("/workflow/dispatch/queue/").content.decode()
    assert page.count("/record_attendance/") >= 1
    queue_item = re.search(
        r"待认领</span>\s*<span class=\"mdc-list-item__meta\">(\d+)</span>", page
    )
    assert queue_item and queue_item.group(1) == "1"


# -- 4. Viewflow's pages in Chinese --------------------------------------------------------


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
    assert "我的待办" in page and ">消息<" not in page.split("</aside>")[0]
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


# -- 5. labels and names, not raw values ---------------------------------------------------


def test_a_makeup_page_gives_the_reason_in_words(world, staff, klass, client):
    process = at_attendance(client, world, staff, klass)
    client.force_login(world.rita)
    act(client, open_task(process, "record_attendance"), {"result": "absent"})
    makeup = Makeup.objects.get()
    makeup_process = process_of(makeup, "MakeupFlow")
    client.force_login(world.bob)
    page = client.get(f"/workflow/makeup/{makeup_process.pk}/").content.decode()
    assert str(Makeup.REASON_LABELS["absence"]) in page
    assert ">absence<" not in page
    assert "无故缺训" in page


def test_task_owners_are_named_not_logged_in_names(world, staff, klass, client):
    get_user_model().objects.filter(pk=staff.lily.pk).update(first_name="林丽")
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    client.post(task_url(task, "assign"))
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    client.force_login(world.bob)
    for url in [f"/workflow/dispatch/{process.pk}/", task_url(task, "detail")]:
        page = client.get(url).content.decode()
        assert "林丽" in page, url
        assert ">lily<" not in page and '"lily"' not in page, url


def test_demo_logins_carry_peoples_names(db):
    call_command("seed_demo", "--force", verbosity=0)
    User = get_user_model()
    for username in ["xx.dispatcher", "xx-fgw.liaison", "xx-dx.registrar", "xx.auditor"]:
        name = User.objects.get(username=username).get_full_name()
        assert 2 <= len(name) <= 4, (username, name)
        assert not re.search(r"[A-Za-z.]", name)
        for role_word in ["联络员", "专员", "教务", "审计员"]:
            assert role_word not in name
