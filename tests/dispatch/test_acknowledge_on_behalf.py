"""签收 on a cadre's behalf says who acknowledges, and in which capacity: the unit's liaison
for a cadre without an account; or, the acknowledgement escalated, a dispatcher of the
organization department — who used to have to tick "as the unit's liaison". The audit
trail records the capacity beside the actor."""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus
from tests.flowtools import act, fire_at, issue_roll_call, open_task, process_of, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)

AS_LIAISON = (
    "On behalf of %(cadre_name)s, who has no account, I acknowledge receipt of "
    "the notice and will pass it on to them"
)
AS_DISPATCHER = (
    "On behalf of %(cadre_name)s, I acknowledge receipt of the notice as the "
    "organization department and will see that it reaches them"
)


def box(msgid, cadre) -> str:
    """The acknowledgement box's label as the page (zh-hans) prints it."""
    with translation.override("zh-hans"):
        return escape(gettext(msgid) % {"cadre_name": cadre.name})


def notified(client, world, staff, klass, cadre):
    """`cadre` named for `klass` and confirmed by the liaison: the dispatch, its process."""
    issue_roll_call(client, world, klass, [cadre])
    dispatch = Dispatch.objects.get(cadre=cadre)
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    return dispatch, process


def acknowledged_as(dispatch):
    event = AuditEvent.objects.get(verb="dispatch.acknowledge", target_id=str(dispatch.pk))
    return event.actor.username, event.note


def claim_and_read(client, person, task) -> str:
    client.force_login(person)
    assert client.post(task_url(task, "assign")).status_code == 302
    return client.get(task_url(task, "execute")).content.decode()


def test_a_dispatcher_acknowledges_an_escalated_notice_as_the_organization_department(
    world, staff, klass, client
):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a1)  # no account
    fire_at(dispatch.acknowledge_due - dt.timedelta(hours=6))  # the reminder
    fire_at(dispatch.acknowledge_due + dt.timedelta(hours=1))  # escalated
    dispatch.refresh_from_db()
    assert dispatch.escalated

    task = open_task(process, "acknowledge")
    page = claim_and_read(client, world.bob, task)
    assert box(AS_DISPATCHER, world.cadre_a1) in page
    assert box(AS_LIAISON, world.cadre_a1) not in page
    assert act(client, task, {"confirm": "on"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED
    assert acknowledged_as(dispatch) == ("bob", "as:dispatcher")


def test_the_liaison_acknowledges_for_a_cadre_without_an_account(world, staff, klass, client):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a1)
    task = open_task(process, "acknowledge")
    page = claim_and_read(client, staff.lily, task)
    assert box(AS_LIAISON, world.cadre_a1) in page
    assert box(AS_DISPATCHER, world.cadre_a1) not in page
    assert act(client, task, {"confirm": "on"}).status_code == 302
    assert acknowledged_as(dispatch) == ("lily", "as:liaison")


def test_the_trainee_acknowledges_in_person(world, staff, klass, client):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    task = open_task(process, "acknowledge")
    client.force_login(world.dave)
    page = client.get(task_url(task, "execute")).content.decode()
    assert box(AS_LIAISON, world.cadre_a) not in page
    assert box(AS_DISPATCHER, world.cadre_a) not in page
    assert act(client, task, {"confirm": "on"}).status_code == 302
    assert acknowledged_as(dispatch) == ("dave", "as:trainee")
