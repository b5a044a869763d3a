"""After a task: a message naming what was done and a return to the page the person came
from (or home with 我的待办) — never Viewflow's process page. The approval page shows the
cadre's hours and past dispatches beside the decision."""

import pytest

from approvals.models import ApprovalRequest
from tests.flowtools import named, open_task, process_of, request, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40, quota=100)


def messages_of(page: str) -> str:
    return page.split('<ul class="messages"', 1)[1].split("</ul>", 1)[0]


def test_a_confirmation_returns_to_my_tasks_with_a_message(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    # From 我的待办: claim and continue, then the form; both carry the list along.
    page = client.get(task_url(task, "assign"), HTTP_REFERER="http://testserver/tasks/")
    assert '<input type="hidden" name="back" value="/tasks/">' in page.content.decode()
    claim = client.post(task_url(task, "assign"), {"_continue": "1", "back": "/tasks/"})
    assert claim.status_code == 302
    assert claim.url == task_url(task, "execute") + "?back=%2Ftasks%2F"
    form = client.get(claim.url).content.decode()
    assert '<input type="hidden" name="back" value="/tasks/">' in form
    response = client.post(claim.url, {"action": "confirm", "back": "/tasks/"})
    assert response.status_code == 302 and response.url == "/tasks/"
    page = client.get(response.url).content.decode()
    shown = messages_of(page)
    assert "已办理" in shown and "王堃" in shown and "全市专题培训班" in shown, shown


def test_without_a_known_list_the_person_lands_home_not_on_the_process_page(
    world, staff, klass, client
):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    task = open_task(approval_process, "head_review")
    client.force_login(world.alice)
    assert client.post(task_url(task, "assign")).url == "/"
    response = client.post(task_url(task, "execute"), {"decision": "approved", "comment": ""})
    assert response.status_code == 302 and response.url == "/"
    assert f"/workflow/approval/{approval_process.pk}/" not in response.url
    shown = messages_of(client.get("/").content.decode())
    assert "已办理“单位负责人审批”（同意）" in shown, shown


def test_a_back_link_elsewhere_is_not_followed(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    client.post(task_url(task, "assign"))
    response = client.post(
        task_url(task, "execute") + "?back=https://evil.example/", {"action": "confirm"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_the_approval_page_shows_the_cadres_hours_and_past_dispatches(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    task = open_task(approval_process, "head_review")
    client.force_login(world.alice)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    panel = page.split('class="vf-card__body xd-approval-cadre"', 1)[1].split("</section>", 1)[0]
    assert f"{world.cadre_a.name}的培训档案" in panel
    assert "要求学时" in panel  # the indicators' required hours beside the hours done
    # 以往调训 leaves out the class the request is about.
    assert "以往调训" in panel and "全市专题培训班" not in panel
    assert f'href="/cadres/{world.cadre_a.pk}/record/"' in panel
    # The decision is one link away for the keyboard, and comes after the facts.
    assert '<a href="#xd-decision">直接填写审批意见</a>' in page
    assert page.index("xd-approval-cadre") < page.index('id="xd-decision"')
