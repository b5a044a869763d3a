"""The training record offers a trainee 签收 only when its task is theirs to do. A cadre
without an account when the notice went out leaves the acknowledgement to the unit's
liaisons (代为签收); an account linked afterwards used to get a 签收 link on the record
whose page sent them home with "您无权查看该事项"."""

import pytest

from dispatch.models import Dispatch, DispatchStatus
from org.models import Cadre
from tests.factories import user
from tests.flowtools import act, issue_roll_call, open_task, process_of, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def notified(client, world, staff, klass, cadre):
    issue_roll_call(client, world, klass, [cadre])
    dispatch = Dispatch.objects.get(cadre=cadre)
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    return dispatch, process


def record(client, person, cadre) -> str:
    client.force_login(person)
    response = client.get(f"/cadres/{cadre.pk}/record/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_account_linked_after_the_notice_gets_no_link_it_cannot_open(
    world, staff, klass, client
):
    _dispatch, process = notified(client, world, staff, klass, world.cadre_a1)  # no account
    task = open_task(process, "acknowledge")
    eve = user("eve", "trainee")
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=eve)
    world.cadre_a1.refresh_from_db()

    assert f'href="{task_url(task)}"' not in record(client, eve, world.cadre_a1)
    # What the link would have led to: the liaisons' task, refused to the trainee.
    page = client.get(task_url(task), follow=True).content.decode()
    assert "无权" in page


def test_the_trainee_s_own_acknowledgement_is_linked(world, staff, klass, client):
    _dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    task = open_task(process, "acknowledge")
    assert f'href="{task_url(task)}"' in record(client, world.dave, world.cadre_a)
