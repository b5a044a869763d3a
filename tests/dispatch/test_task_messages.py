"""What the dispatch tasks say and show: the success message names what was chosen —
确认参训 or the request made, the attendance recorded with its hours — task subjects read
in words (青山镇人民政府（2个名额）, 王堃 补训（…前）) rather than bare numbers, and a
nomination sent back keeps its earlier nominees checked on the liaison's form."""

import datetime as dt
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from core.formatting import format_date
from dispatch.models import Makeup, QuotaAllocation
from tests.factories import training_class
from tests.flowtools import (
    act,
    allot,
    at_attendance,
    named,
    open_task,
    process_of,
    request,
    run_to_absence,
    task_url,
)

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def zh(msgid: str, **values) -> str:
    """`msgid` as the pages (zh-hans) print it, with `values`."""
    with translation.override("zh-hans"):
        return gettext(msgid) % values if values else gettext(msgid)


def done(task_title: str, outcome: str) -> str:
    """The start of the success message: 已办理“…”（outcome）."""
    text = zh("“%(task)s” done (%(outcome)s): %(subject)s", task="@", outcome="#", subject="")
    return text.replace("@", task_title).replace("#", outcome)


def message_after(client, response) -> str:
    """The messages shown on the page the task's form led to."""
    assert response.status_code == 302, response.content.decode()[-2000:]
    page = client.get(response.url).content.decode()
    return page.split('<ul class="messages"', 1)[1].split("</ul>", 1)[0]


# -- 单位确认参训或提出申请 -----------------------------------------------------------------


def test_confirming_says_so(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    shown = message_after(client, act(client, task, {"action": "confirm"}))
    assert done(str(task.flow_task.task_title), zh("Confirm attendance")) in shown, shown
    assert "王堃" in shown


@pytest.mark.parametrize("kind, label", [("leave", "Leave"), ("deferral", "Deferral")])
def test_a_request_names_its_kind(world, staff, klass, client, kind, label):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    task = open_task(process, "confirm")
    shown = message_after(client, request(client, staff.lily, process, kind))
    outcome = zh("%(kind)s request", kind=zh(label))
    assert done(str(task.flow_task.task_title), outcome) in shown, shown
    assert f"（{zh('Confirm attendance')}）" not in shown


# -- 培训机构登记考勤 -----------------------------------------------------------------------


def record(client, world, staff, klass, data) -> tuple[str, str]:
    process = at_attendance(client, world, staff, klass)
    task = open_task(process, "record_attendance")
    client.force_login(world.rita)
    return str(task.flow_task.task_title), message_after(client, act(client, task, data))


def test_present_names_the_hours_credited(world, staff, klass, client):
    title, shown = record(client, world, staff, klass, {"result": "present", "leave_hours": "0"})
    assert done(title, zh("Present, %(hours)s hours credited", hours="40")) in shown, shown


def test_present_with_leave_names_the_leave_and_the_hours_credited(world, staff, klass, client):
    title, shown = record(client, world, staff, klass, {"result": "present", "leave_hours": "2.5"})
    outcome = zh(
        "Present, %(leave)s hours of leave, %(hours)s hours credited", leave="2.5", hours="37.5"
    )
    assert done(title, outcome) in shown, shown


def test_too_much_leave_reads_as_withdrawn_not_as_the_choice(world, staff, klass, client):
    # 10 hours of leave is over 1/7 of 40: the cadre is withdrawn although marked present.
    title, shown = record(client, world, staff, klass, {"result": "present", "leave_hours": "10"})
    assert done(title, zh("Withdrawn, %(leave)s hours of leave", leave="10")) in shown, shown
    assert zh("Present") + "，" not in shown


def test_absent_says_absent(world, staff, klass, client):
    title, shown = record(client, world, staff, klass, {"result": "absent"})
    assert done(title, zh("Absent")) in shown, shown


# -- subjects in words ------------------------------------------------------------------


def test_an_allocation_reads_as_its_unit_and_seats(world, staff, klass, client):
    allocation, _process = allot(client, world, klass, seats=2)
    with translation.override("zh-hans"):
        expected = ngettext("%(unit)s (%(seats)d seat)", "%(unit)s (%(seats)d seats)", 2) % {
            "unit": world.a.name,
            "seats": 2,
        }
        assert str(allocation) == expected
    assert f"{world.a.name} · 2" not in expected
    client.force_login(staff.lily)
    page = client.get("/tasks/").content.decode()
    assert f"{klass.name} · {expected}" in page
    assert f"{world.a.name} · 2<" not in page and f"{world.a.name} · 2 " not in page


def test_a_makeup_reads_as_the_cadre_s_makeup_the_class_missed_and_its_due_date(
    world, staff, client
):
    missed = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=20), name="全市专题班"
    )
    run_to_absence(client, world, staff, missed, world.cadre_a)
    makeup = Makeup.objects.get()
    expected = zh(
        "%(cadre)s makeup (%(missed)s, due by %(date)s)",
        cadre="王堃",
        missed="全市专题班",
        date=format_date(makeup.due_date),
    )
    with translation.override("zh-hans"):
        assert str(makeup) == expected
    task = open_task(process_of(makeup, "MakeupFlow"), "schedule")
    client.force_login(world.bob)
    client.post(task_url(task, "assign"))
    assert expected in client.get("/tasks/").content.decode()


# -- a nomination sent back -------------------------------------------------------------


def checked(page: str, pk: int) -> bool:
    """The nominees' checkbox of cadre `pk` is on the page, checked."""
    boxes = re.findall(r'<input type="checkbox" name="cadres"[^>]*>', page)
    return any(f'value="{pk}"' in box and " checked" in box for box in boxes)


def offered(page: str, pk: int) -> bool:
    boxes = re.findall(r'<input type="checkbox" name="cadres"[^>]*>', page)
    return any(f'value="{pk}"' in box for box in boxes)


@pytest.mark.parametrize("returned_by", ["head", "dispatcher"])
def test_a_returned_nomination_keeps_its_nominees_checked(world, staff, klass, client, returned_by):
    _allocation, process = allot(client, world, klass, seats=2)
    nominate = open_task(process, "nominate")
    client.force_login(staff.lily)
    client.post(task_url(nominate, "assign"))
    first = client.get(task_url(nominate, "execute")).content.decode()
    assert offered(first, world.cadre_a.pk) and not checked(first, world.cadre_a.pk)
    response = client.post(
        task_url(nominate, "execute"), {"cadres": [world.cadre_a.pk, world.cadre_a1.pk]}
    )
    assert response.status_code == 302
    client.force_login(world.alice)
    if returned_by == "head":
        act(
            client,
            open_task(process, "head_approval"),
            {"decision": "return", "reason": "请更换人选"},
        )
    else:
        act(client, open_task(process, "head_approval"), {"decision": "approve"})
        client.force_login(world.bob)
        act(
            client,
            open_task(process, "dispatcher_review"),
            {"decision": "return", "reason": "李玥已参加同期培训"},
        )

    again = open_task(process, "nominate")
    client.force_login(staff.lily)
    if again.owner_id is None:
        client.post(task_url(again, "assign"))
    page = client.get(task_url(again, "execute")).content.decode()
    assert checked(page, world.cadre_a.pk) and checked(page, world.cadre_a1.pk)
    # The liaison changes one and sends it again: the form's choice wins.
    response = client.post(task_url(again, "execute"), {"cadres": [world.cadre_a.pk]})
    assert response.status_code == 302
    assert list(QuotaAllocation.objects.get().nominees.values_list("pk", flat=True)) == [
        world.cadre_a.pk
    ]
