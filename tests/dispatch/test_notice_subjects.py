"""What a dispatch's messages say and where they lead.

The acknowledgement's reminders and escalations name the notice the trainee signs for —
the 入学通知 (admission notice), not the roll call's 调训通知 — and, whenever the recipient
is not the cadre, the cadre: a liaison acknowledging for two cadres without an account
used to get two identical reminders. A cancelled roll call's message leads each
recipient to a page they may open: the liaisons used to be sent to the roll call's
process page, a 404 for them."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch.models import Dispatch
from notifications.models import Event, Notification
from tests.factories import cadre
from tests.flowtools import confirmed, fire_at, issue_roll_call

pytestmark = [pytest.mark.klass(name="全市专题培训班"), pytest.mark.usefixtures("media")]


@pytest.fixture
def english(settings):
    """The msgids themselves (no catalogue in use): the subjects as the code builds them."""
    settings.LANGUAGE_CODE = "en-us"


def confirm_all(client, liaison_of, dispatches):
    for dispatch in dispatches:
        confirmed(client, liaison_of[dispatch.unit_id], dispatch)


def test_acknowledgement_reminders_and_escalations_name_the_admission_notice_and_the_cadre(
    english, world, staff, klass, client
):
    hou = cadre("侯明晓", world.b, world.county_od, co_managing_org_department=world.city_od)
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_b, hou])
    dispatches = list(Dispatch.objects.select_related("cadre").order_by("pk"))
    confirm_all(client, {world.a.pk: staff.lily, world.b.pk: staff.luke}, dispatches)
    due = max(Dispatch.objects.values_list("acknowledge_due", flat=True))

    fire_at(due - dt.timedelta(hours=6))
    reminders = Notification.objects.filter(event=Event.REMINDER, key__contains=":acknowledge:")
    # Wang acknowledges himself: his own admission notice.
    [own] = reminders.filter(recipient=world.dave)
    assert own.title == "Reminder: Acknowledge your admission notice for 全市专题培训班"
    # Luke acknowledges for Zhang and Hou, who have no account: ONE reminder naming both
    # under their unit.
    [luke] = reminders.filter(recipient=staff.luke)
    assert luke.title == (
        "Reminder: Acknowledge the admission notices of 2 cadres for 全市专题培训班 on their behalf"
    )
    assert f"{world.b.name} (2 cadres): 侯明晓, 张喆" in luke.body.splitlines()
    assert not any("dispatch notice" in n.title + n.body for n in reminders)

    fire_at(due + dt.timedelta(hours=1))
    escalations = Notification.objects.filter(
        event=Event.ESCALATION, key__contains=":acknowledge:", recipient=world.bob
    )
    # One escalation for the roll call's three overdue notices, by unit.
    [escalation] = escalations
    assert escalation.title == (
        "Overdue and escalated: Acknowledgements of the admission notices of 3 cadres "
        "for 全市专题培训班"
    )
    assert f"{world.a.name} (1 cadre): 王堃" in escalation.body.splitlines()
    assert f"{world.b.name} (2 cadres): 侯明晓, 张喆" in escalation.body.splitlines()


def test_a_makeup_dispatch_names_the_makeup_notice(english, world, staff, klass):
    from dispatch import deadline_notices
    from dispatch.models import DispatchKind, RollCall

    roll_call = RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode="named",
        response_deadline=timezone.now() + dt.timedelta(days=5),
        created_by=world.bob,
    )
    makeup = Dispatch.objects.create(
        roll_call=roll_call,
        training_class=klass,
        cadre=world.cadre_b,
        unit=world.b,
        kind=DispatchKind.MAKEUP,
        confirm_due=roll_call.response_deadline,
    )
    assert deadline_notices.step_subject(makeup, "acknowledge") == (
        "Acknowledge the makeup notice of 张喆 for 全市专题培训班 on their behalf"
    )
    assert deadline_notices.overdue_step_subject(makeup, "acknowledge") == (
        "Acknowledgement of the makeup notice of 张喆"
    )


def test_each_recipient_of_a_cancellation_can_open_its_link(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1, world.cadre_b])
    roll_call = klass.roll_calls.get()
    client.force_login(world.bob)
    response = client.post(f"/rollcalls/{roll_call.pk}/", {"reason": "培训计划调整，本期停办"})
    assert response.status_code == 302

    told = Notification.objects.filter(event=Event.CANCELLED).select_related("recipient")
    assert sorted(n.recipient.username for n in told) == ["dave", "lily", "luke"]
    urls = {n.recipient.username: n.url for n in told}
    # One cadre: their training record; several: the unit's cancelled dispatches.
    assert urls["dave"] == f"/cadres/{world.cadre_a.pk}/record/"
    assert urls["luke"] == f"/cadres/{world.cadre_b.pk}/record/"
    assert urls["lily"] == "/dispatches/?status=cancelled"
    for notification in told:
        client.force_login(notification.recipient)
        page = client.get(notification.url, follow=True)
        assert page.status_code == 200, (notification.recipient.username, notification.url)
    client.force_login(staff.lily)
    listed = client.get(urls["lily"]).content.decode()
    assert world.cadre_a.name in listed and world.cadre_a1.name in listed
    client.force_login(staff.luke)
    assert world.cadre_b.name in client.get(urls["luke"]).content.decode()
