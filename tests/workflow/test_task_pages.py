"""A task's claim, form and detail pages: the facts as text, a side panel naming each row
once, messages and owners by name, and claim-and-continue straight to the form."""

import re

import pytest
from django.contrib.auth import get_user_model
from viewflow.workflow.status import STATUS

from dispatch.models import Dispatch
from tests.flowtools import act, at_attendance, issue_roll_call, open_task, process_of, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def test_claim_and_detail_pages_show_their_facts_as_text(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    page = client.get(task_url(task, "assign")).content.decode()
    assert "md-outlined-text-field" not in page
    facts = page[page.index("xd-task-facts") :]
    assert "王堃" in facts and "全市专题培训班" in facts  # 内容
    assert "尚未认领" in facts or "未认领" in facts  # 办理人
    assert world.a.name in facts  # 所属范围
    act(client, task, {"action": "confirm"})
    page = client.get(task_url(task, "detail")).content.decode()
    assert "md-outlined-text-field" not in page
    assert "王堃" in page[page.index("xd-task-facts") :]


def panel_rows(page: str) -> list[tuple[str, str]]:
    panel = page[page.index("xd-panel") :]
    panel = panel[: panel.index("</table>")]
    rows = re.findall(r"<th[^>]*>\s*(.*?)\s*</th>\s*<td>\s*(.*?)\s*</td>", panel, re.S)
    return [(label, re.sub(r"<[^>]+>", "", value).strip()) for label, value in rows]


def test_the_side_panel_names_each_row_once_wraps_and_shows_whole_numbers(
    world, staff, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    page = client.get(task_url(task, "assign")).content.decode()
    rows = panel_rows(page)
    labels = [label for label, _value in rows]
    assert len(labels) == len(set(labels)), labels
    assert "流程状态" in labels and "流程发起时间" in labels
    values = dict(rows)
    assert values["培训期间请假学时"] == "0", values
    assert 'class="vf-list__table xd-panel"' in page
    assert "xundiao/workflow.css" in page  # where .xd-panel wraps long names


def test_viewflow_messages_name_the_task_by_its_subject(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    response = client.post(task_url(task, "assign"), follow=True)
    page = response.content.decode()
    # After the claim, the list the liaison came from (home), with the message on top.
    assert response.redirect_chain[-1][0] == "/"
    shown = page[page.index('<ul class="messages"') : page.index("</ul>")]
    assert "王堃" in shown and "全市专题培训班" in shown, shown
    assert f">#{task.pk}<" not in shown


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


def test_a_task_under_another_process_s_url_answers_404_and_stays_open(world, staff, klass, client):
    """Viewflow locks the process its URL names: a task must be of that process, or the
    step would run outside its own process's lock."""
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    first, second = (process_of(d, "DispatchFlow") for d in Dispatch.objects.order_by("pk"))
    task = open_task(first, "confirm")
    client.force_login(staff.lily)
    for process_pk in (second.pk, 999999):
        url = f"/workflow/dispatch/{process_pk}/confirm/{task.pk}/"
        assert client.post(url + "assign/").status_code == 404
        assert client.post(url + "execute/", {"action": "confirm"}).status_code == 404
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None
    assert client.post(task_url(task, "assign")).status_code == 302  # its own URL works
