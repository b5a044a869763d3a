"""One message per recipient per event for a roll call's deadlines: a liaison whose units
owe many answers gets ONE reminder naming every cadre (or every unit's seats), the
dispatchers ONE escalation — whichever of the roll call's timer, the dispatches' own
timers and the reminder sweep comes first; a notice issued later is news in a message of
its own, naming only what was not named before."""

import datetime as dt

import pytest
from django.utils import timezone

from approvals.models import ApprovalRequest
from dispatch.grouped_notices import item
from dispatch.models import Dispatch, DispatchStatus
from notifications.models import Event, Notification
from org import services as org_services
from tests.factories import cadre, user
from tests.flowtools import (
    act,
    deadline,
    decide,
    fire_at,
    issue_roll_call,
    open_task,
    process_of,
)

pytestmark = [pytest.mark.klass(name="全市专题培训班"), pytest.mark.usefixtures("media")]

NAMES = ["甲一", "乙二", "丙三", "丁四"]


@pytest.fixture
def five_of_b(world, staff, klass, client):
    """Zhang and four more cadres of unit B (liaison Luke, no accounts) named at once."""
    more = [cadre(name, world.b, world.county_od) for name in NAMES]
    issue_roll_call(client, world, klass, [world.cadre_b, *more])
    return list(Dispatch.objects.select_related("cadre").order_by("pk"))


def reminders_to(person, **filters):
    return Notification.objects.filter(event=Event.REMINDER, recipient=person, **filters)


def test_a_liaison_is_reminded_once_of_all_the_cadres_to_confirm(world, staff, five_of_b, client):
    due = five_of_b[0].confirm_due
    fire_at(due - dt.timedelta(days=2), "send_reminders")  # the sweep, 3 days before
    fire_at(due - dt.timedelta(days=2))  # nothing new from the timers
    [three_days] = reminders_to(staff.luke)
    assert three_days.title == "到期提醒：确认5名干部参加全市专题培训班"
    assert f"{world.b.name}（5人）：{'、'.join(sorted([world.cadre_b.name, *NAMES]))}" in (
        three_days.body.splitlines()
    )
    assert three_days.url == "/"  # 我的待办, where the five tasks wait

    # Luke confirms one; the roll call's own timer a day before names the other four.
    client.force_login(staff.luke)
    act(
        client,
        open_task(process_of(five_of_b[0], "DispatchFlow"), "confirm"),
        {"action": "confirm"},
    )
    fire_at(due - dt.timedelta(hours=12))
    fire_at(due - dt.timedelta(hours=11), "send_reminders")
    [one_day] = reminders_to(staff.luke, key__endswith="reminder-1d")
    assert one_day.title == "到期提醒：确认4名干部参加全市专题培训班"
    assert five_of_b[0].cadre.name not in one_day.body

    # Past due: the dispatcher hears once, of the four, by unit.
    fire_at(due + dt.timedelta(hours=1))
    [escalation] = Notification.objects.filter(event=Event.ESCALATION, key__contains=":confirm:")
    assert (escalation.recipient, escalation.title) == (
        world.bob,
        "逾期督办：4名干部参加全市专题培训班的参训确认",
    )
    four = sorted(d.cadre.name for d in five_of_b[1:])
    assert f"{world.b.name}（4人）：{'、'.join(four)}" in escalation.body.splitlines()
    assert set(
        Dispatch.objects.filter(escalated=True, status="named").values_list("pk", flat=True)
    ) == {d.pk for d in five_of_b[1:]}


def test_a_liaison_of_two_units_is_reminded_once_of_both_units_seats(world, staff, klass, client):
    both = user("lena", "unit_liaison", world.a)
    org_services.role_grant(actor=None, user=both, role="unit_liaison", unit=world.b)
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(5),
            "allocations": f"{world.a.code} 2\n{world.b.code} 1",
        },
    )
    assert response.status_code == 302
    due = klass.roll_calls.get().response_deadline
    fire_at(due - dt.timedelta(hours=12))
    [lena] = reminders_to(both)
    assert lena.title == "到期提醒：推荐全市专题培训班参训人选（3名）"
    assert {f"{world.a.name}：待推荐2名", f"{world.b.name}：待推荐1名"} <= set(
        lena.body.splitlines()
    )
    # Lily and Luke, each of one unit, one message each for their own unit.
    assert reminders_to(staff.lily).get().title == "到期提醒：推荐全市专题培训班参训人选（2名）"
    assert reminders_to(staff.luke).count() == 1

    fire_at(due + dt.timedelta(hours=1))
    [escalation] = Notification.objects.filter(event=Event.ESCALATION)
    assert escalation.title == "逾期督办：2个单位全市专题培训班的人选推荐"


def test_a_notice_issued_later_is_reminded_on_its_own_naming_only_itself(
    world, staff, five_of_b, client
):
    first, later = five_of_b[0], five_of_b[1]
    client.force_login(staff.luke)
    act(client, open_task(process_of(first, "DispatchFlow"), "confirm"), {"action": "confirm"})
    first.refresh_from_db()
    # The second is confirmed a day later: its notice gives three days from then.
    with_later = timezone.now() + dt.timedelta(days=1)
    fire_at(with_later, "send_reminders")
    from time_machine import travel

    with travel(with_later, tick=False):
        client.force_login(staff.luke)
        act(
            client,
            open_task(process_of(later, "DispatchFlow"), "confirm"),
            {"action": "confirm"},
        )
    later.refresh_from_db()

    fire_at(first.acknowledge_due - dt.timedelta(hours=12))
    fire_at(first.acknowledge_due - dt.timedelta(hours=11), "send_reminders")
    [one] = reminders_to(staff.luke, key__contains=":acknowledge:")
    assert first.cadre.name in one.body and later.cadre.name not in one.body

    fire_at(later.acknowledge_due - dt.timedelta(hours=12), "send_reminders")
    fire_at(later.acknowledge_due - dt.timedelta(hours=11))
    second = reminders_to(staff.luke, key__contains=":acknowledge:").exclude(pk=one.pk)
    tag = item(later, later.acknowledge_due)
    assert [n.key for n in second] == [
        f"rollcall:{later.roll_call_id}:acknowledge:{tag}:reminder-1d"
    ]
    assert later.cadre.name in second.get().body and first.cadre.name not in second.get().body


def test_a_refused_request_at_acknowledgement_is_reminded_again_in_its_new_round(
    world, staff, five_of_b, client
):
    """Zhang's notice first, another's a day later (a later message, keyed by its item);
    that one's request at 签收 is refused: its new window gets no 3-day reminder at once,
    and its 1-day reminder goes out again although a message of the same slot named it."""
    from time_machine import travel

    first, later = five_of_b[0], five_of_b[1]
    client.force_login(staff.luke)
    act(client, open_task(process_of(first, "DispatchFlow"), "confirm"), {"action": "confirm"})
    t0 = timezone.now()
    with travel(t0 + dt.timedelta(days=1), tick=False):
        client.force_login(staff.luke)
        act(client, open_task(process_of(later, "DispatchFlow"), "confirm"), {"action": "confirm"})
    first.refresh_from_db()
    later.refresh_from_db()
    fire_at(first.acknowledge_due - dt.timedelta(hours=12), "send_reminders")
    fire_at(later.acknowledge_due - dt.timedelta(hours=12), "send_reminders")
    acknowledge = reminders_to(staff.luke, key__contains=":acknowledge:")
    before = set(acknowledge.values_list("pk", flat=True))
    assert len(before) == 2

    # Luke asks leave for the later cadre at 签收; the unit's head refuses it.
    process = process_of(later, "DispatchFlow")
    refused_at = later.acknowledge_due - dt.timedelta(hours=6)
    with travel(refused_at, tick=False):
        client.force_login(staff.luke)
        data = {"action": "request", "kind": "leave", "reason": "突发疾病需住院治疗"}
        assert act(client, open_task(process, "acknowledge"), data).status_code == 302
        approval = process_of(ApprovalRequest.objects.get(subject_id=later.pk), "ApprovalFlow")
        decide(client, world.charlie, approval, "head_review", "rejected", "请按时参训")
    later.refresh_from_db()
    assert later.status == DispatchStatus.NOTIFIED
    assert later.acknowledge_due > refused_at + dt.timedelta(days=2)

    # The sweep an hour after the refusal: no 3-day reminder (the refusal said it all).
    fire_at(refused_at + dt.timedelta(hours=1), "send_reminders")
    assert acknowledge.count() == 2
    # A day before the new due moment: reminded again, of the new round.
    fire_at(later.acknowledge_due - dt.timedelta(hours=12), "send_reminders")
    fire_at(later.acknowledge_due - dt.timedelta(hours=11))
    [again] = acknowledge.exclude(pk__in=before)
    assert again.key.endswith(f"{item(later, later.acknowledge_due)}:reminder-1d")
    assert later.cadre.name in again.body
