"""Acknowledging a dispatch notice (签收): the trainee has the notice at hand, and the
dispatcher's report, offered to no one else, names the IP address."""

import pytest

from dispatch.models import Dispatch, RollCall
from tests.flowtools import act, issue_roll_call, open_task, process_of, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def test_the_acknowledgement_report_names_the_ip_address(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])

    client.force_login(world.bob)
    page = client.get(f"/rollcalls/{RollCall.objects.get().pk}/acknowledgements/")
    assert "签收IP地址" in page.content.decode()


def test_the_trainee_acknowledges_with_the_notice_at_hand(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatch = Dispatch.objects.get()
    assert dispatch.notice_reference
    from notifications.models import IssuedDocument

    notice = IssuedDocument.objects.get(document_number=dispatch.notice_reference)
    client.force_login(world.dave)
    task = open_task(process, "acknowledge")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert f'href="/documents/{notice.pk}/"' in page
    assert client.get(f"/documents/{notice.pk}/").status_code == 200


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
