"""Two liaisons of one unit 签收 their messages of a class change — each naming the same
three reissued notices of cadres without an account — at the moment a third request signs
one of them on its task page: every notice is acknowledged once, by one of them, and no
request fails (a loser is told the notices need nothing more, or to try again, and then
signs what is left). Real
concurrent clients on PostgreSQL (tests/racing.py)."""

import pytest
from django.test import Client

from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus
from notifications.models import Notification
from tests.dispatch.class_change_kit import by_service, moved
from tests.factories import cadre, user
from tests.flowtools import confirmed, issue_roll_call, open_task, process_of, task_url
from tests.racing import postgresql_only, together


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_liaisons_and_a_task_page_sign_each_notice_once(world, staff, klass):
    lena = user("lena", "unit_liaison", world.a)  # the unit's second liaison
    people = [world.cadre_a1, cadre("赵一鸣", world.a, world.city_od)]
    people.append(cadre("钱二丽", world.a1, world.city_od, male=False))
    client = Client()
    issue_roll_call(client, world, klass, people)
    dispatches = [confirmed(client, staff.lily, Dispatch.objects.get(cadre=p)) for p in people]
    by_service(world, klass, **moved(klass))
    messages = {
        person.username: Notification.objects.get(
            recipient=person, key__startswith=f"class:{klass.pk}:changed:", requires_ack=True
        )
        for person in (staff.lily, lena)
    }
    task = open_task(process_of(dispatches[0], "DispatchFlow"), "acknowledge")
    lily, lena_client, task_page = signed_in(staff.lily), signed_in(lena), signed_in(lena)
    assert task_page.post(task_url(task, "assign")).status_code == 302  # lena claims it
    page = task_url(task, "execute")

    outcomes = together(
        lambda: lily.post(f"/inbox/{messages['lily'].pk}/acknowledge/", HTTP_REFERER="/inbox/"),
        lambda: lena_client.post(
            f"/inbox/{messages['lena'].pk}/acknowledge/", HTTP_REFERER="/inbox/"
        ),
        lambda: task_page.post(page, {"confirm": "on"}, HTTP_REFERER=page),
    )

    errors = [value for kind, value in outcomes if kind == "error"]
    assert not errors, errors
    assert all(response.status_code in (302, 409) for _kind, response in outcomes)
    # A liaison told to try again (the task page held a process lock) signs once more; one
    # told that nothing awaits has nothing to sign.
    for client_, message in ((lily, messages["lily"]), (lena_client, messages["lena"])):
        message.refresh_from_db()
        if message.acknowledged_at is None:
            client_.post(f"/inbox/{message.pk}/acknowledge/", HTTP_REFERER="/inbox/")
    for dispatch in dispatches:
        dispatch.refresh_from_db()
        assert dispatch.status == DispatchStatus.ACKNOWLEDGED
        signed = AuditEvent.objects.filter(verb="dispatch.acknowledge", target_id=str(dispatch.pk))
        assert signed.count() == 1
    assert sum(
        Notification.objects.filter(pk=m.pk, acknowledged_at__isnull=False).count()
        for m in messages.values()
    ) in (1, 2)
