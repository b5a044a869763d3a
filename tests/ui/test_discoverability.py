"""Finding one's way: a liaison starts a filing from the home page, a dispatcher a
circular; a nomination task in
我的待办 names the class and the deadline; nominees and filing participants are chosen in
a searchable list of checkboxes that keeps earlier choices; a finished class stays on the
registrar's home while attendance is pending."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from dispatch.models import QuotaAllocation, TrainingClass
from tests.flowtools import at_attendance, open_task, process_of, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40, quota=100)


def quota_roll_call(client, world, klass):
    client.force_login(world.bob)
    due = timezone.localtime() + dt.timedelta(days=3)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": due.strftime("%Y-%m-%dT%H:%M"),
            "allocations": f"{world.a.code} 2",
        },
    )
    assert response.status_code == 302
    return QuotaAllocation.objects.get()


def test_a_liaison_starts_a_filing_from_the_home_page(world, staff, client):
    client.force_login(staff.lily)
    page = client.get("/").content.decode()
    assert '<a class="button" href="/workflow/filing/start/">报备培训</a>' in page
    assert client.get("/workflow/filing/start/").status_code == 200
    client.force_login(world.alice)  # a department head files nothing
    assert "/workflow/filing/start/" not in client.get("/").content.decode()


def test_a_dispatcher_starts_a_circular_from_the_home_page_above_the_classes(world, client):
    client.force_login(world.bob)
    page = client.get("/").content.decode()
    link = '<a href="/workflow/circular/start/">发起通报</a>'
    assert link in page
    assert page.index(link) < page.index("近期班次")  # not below a long list on a phone
    assert client.get("/workflow/circular/start/").status_code == 200
    client.force_login(world.alice)  # a department head starts no circular
    assert "/workflow/circular/start/" not in client.get("/").content.decode()


def test_a_nomination_task_names_the_class_and_the_deadline(world, staff, klass, client):
    allocation = quota_roll_call(client, world, klass)
    client.force_login(staff.lily)
    page = client.get("/tasks/").content.decode()
    row = page.split('<tr class="task-row ', 1)[1].split("</tr>", 1)[0]
    assert "全市专题培训班" in row, row
    deadline = timezone.localtime(allocation.roll_call.response_deadline)
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in row, row


def test_nominees_are_chosen_in_a_searchable_list_of_checkboxes(world, staff, klass, client):
    allocation = quota_roll_call(client, world, klass)
    task = open_task(process_of(allocation, "NominationFlow"), "nominate")
    client.force_login(staff.lily)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    picker = page.split('<div class="xd-picker">', 1)[1]
    assert '<input type="search" hidden placeholder="输入姓名、单位或职务筛选"' in picker
    assert f'type="checkbox" name="cadres" value="{world.cadre_a.pk}"' in picker
    assert "<select" not in picker.split('class="xd-picker-chosen"', 1)[0]
    assert "xundiao/site.js" in page  # the filter and the names chosen so far
    response = client.post(
        task_url(task, "execute"), {"cadres": [world.cadre_a.pk, world.cadre_a1.pk]}
    )
    assert response.status_code == 302
    assert set(QuotaAllocation.objects.get().nominees.all()) == {world.cadre_a, world.cadre_a1}


def test_filing_participants_are_chosen_in_the_same_picker(world, staff, client):
    client.force_login(staff.lily)
    page = client.get("/workflow/filing/start/").content.decode()
    picker = page.split('<div class="xd-picker">', 1)[1]
    assert f'type="checkbox" name="participants" value="{world.cadre_a.pk}"' in picker


def test_a_finished_class_stays_on_the_registrars_home_while_attendance_is_pending(
    world, staff, klass, client
):
    at_attendance(client, world, staff, klass)
    today = timezone.localdate()
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=today - dt.timedelta(days=6),
        end_date=today - dt.timedelta(days=2),
        report_date=today - dt.timedelta(days=6),
    )
    client.force_login(world.rita)
    page = client.get("/").content.decode()
    assert "全市专题培训班" in page and "已结束，待登记考勤" in page
    # On its last day present may be recorded (dispatch.policy.attendance_refusal): the
    # home page says so that day already.
    TrainingClass.objects.filter(pk=klass.pk).update(end_date=today)
    page = client.get("/").content.decode()
    assert "今日结业，待登记考勤" in page and "已结束，待登记考勤" not in page


def test_the_roll_call_page_links_each_cadre_and_shows_who_confirmed(world, staff, klass, client):
    from dispatch.models import Dispatch
    from tests.flowtools import act, issue_roll_call

    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_b])
    dispatch = Dispatch.objects.get(cadre=world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process_of(dispatch, "DispatchFlow"), "confirm"), {"action": "confirm"})
    client.force_login(world.bob)
    page = client.get(f"/rollcalls/{dispatch.roll_call_id}/").content.decode()
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("</tr>")
    row_a = next(row for row in rows if world.cadre_a.name in row)
    assert f'<a href="/cadres/{world.cadre_a.pk}/record/">{world.cadre_a.name}</a>' in row_a
    lily = staff.lily.get_full_name() or staff.lily.username
    assert re.search(rf"<td[^>]*>{lily}</td>", row_a)
    row_b = next(row for row in rows if world.cadre_b.name in row)
    assert re.search(r"<td[^>]*>—</td>", row_b)


def test_the_roll_call_form_knows_each_cadres_busy_classes_before_it_is_sent(
    world, staff, klass, client
):
    import json

    from tests.flowtools import issue_roll_call

    issue_roll_call(client, world, klass, [world.cadre_a])
    client.force_login(world.bob)
    page = client.get("/workflow/rollcall/start/").content.decode()
    assert 'id="xd-clash" role="alert" hidden data-lead="同一时间已在其他班次："' in page
    busy = json.loads(
        page.split('<script id="xd-busy" type="application/json">', 1)[1].split("</script>", 1)[0]
    )
    start, end, name, class_id, shown = busy[str(world.cadre_a.pk)][0]
    assert (start, end, name, class_id) == (
        klass.start_date.isoformat(),
        klass.end_date.isoformat(),
        klass.name,
        klass.pk,
    )
    first, last = klass.start_date, klass.end_date  # the warning prints the dates in Chinese
    assert (
        shown
        == f"{first.year}年{first.month}月{first.day}日—{last.year}年{last.month}月{last.day}日"
    )
    assert str(world.cadre_b.pk) not in busy
    dates = json.loads(
        page.split('<script id="xd-class-dates" type="application/json">', 1)[1].split(
            "</script>", 1
        )[0]
    )
    assert dates[str(klass.pk)] == [klass.start_date.isoformat(), klass.end_date.isoformat()]
