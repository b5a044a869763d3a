"""Quota allocation: seats per unit, nominations approved, returned, resubmitted."""

import pytest

from audit.models import AuditEvent
from dispatch.models import Dispatch, QuotaAllocation, QuotaStatus, RollCall
from tests.factories import cadre
from tests.flowtools import act, deadline, open_task, process_of, task_url

pytestmark = pytest.mark.klass(quota=10)


def allot(client, world, klass, lines):
    client.force_login(world.bob)
    return client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(),
            "allocations": lines,
        },
    )


def test_a_quota_roll_call_with_a_returned_nomination(world, staff, klass, client):
    extra = cadre("赵强", world.a, world.city_od)
    response = allot(client, world, klass, f"{world.a.code} 2\n{world.b.code} 1")
    assert response.status_code == 302, response.content.decode()[-3000:]
    allocation = QuotaAllocation.objects.get(unit=world.a)
    assert allocation.seats == 2
    process = process_of(allocation, "NominationFlow")

    # The liaison nominates; the department head approves.
    client.force_login(staff.lily)
    assert (
        act(
            client,
            open_task(process, "nominate"),
            {"cadres": [world.cadre_a.pk, world.cadre_a1.pk]},
        ).status_code
        == 302
    )
    client.force_login(world.alice)
    assert (
        act(client, open_task(process, "head_approval"), {"decision": "approve"}).status_code == 302
    )

    # The dispatcher returns it with a reason (退回) ...
    client.force_login(world.bob)
    act(
        client,
        open_task(process, "dispatcher_review"),
        {"decision": "return", "reason": "李玥已参加同期培训，请更换人选"},
    )
    allocation.refresh_from_db()
    assert allocation.status == QuotaStatus.AWAITING_NOMINATION
    assert allocation.times_returned == 1
    assert not Dispatch.objects.exists()

    # ... the liaison resubmits, the head approves again, the dispatcher accepts.
    client.force_login(staff.lily)
    act(client, open_task(process, "nominate"), {"cadres": [world.cadre_a.pk, extra.pk]})
    client.force_login(world.alice)
    act(client, open_task(process, "head_approval"), {"decision": "approve"})
    client.force_login(world.bob)
    assert (
        act(client, open_task(process, "dispatcher_review"), {"decision": "accept"}).status_code
        == 302
    )

    allocation.refresh_from_db()
    assert allocation.status == QuotaStatus.ACCEPTED
    assert set(Dispatch.objects.values_list("cadre__name", flat=True)) == {"王堃", "赵强"}
    for dispatch in Dispatch.objects.all():
        assert open_task(process_of(dispatch, "DispatchFlow"), "confirm")

    # The audit trail follows the nomination step by step, with the reason for returning.
    assert AuditEvent.objects.filter(verb="rollcall.issue", actor=world.bob).count() == 1
    trail = AuditEvent.objects.filter(target_id=str(allocation.pk), verb__startswith="quota.")
    assert list(trail.order_by("pk").values_list("verb", "actor__username")) == [
        ("quota.allot", "bob"),
        ("quota.nominate", "lily"),
        ("quota.head_approve", "alice"),
        ("quota.return", "bob"),
        ("quota.nominate", "lily"),
        ("quota.head_approve", "alice"),
        ("quota.accept", "bob"),
    ]
    assert trail.get(verb="quota.return").note == "李玥已参加同期培训，请更换人选"
    named = AuditEvent.objects.filter(verb="dispatch.name")
    assert set(named.values_list("target_id", flat=True)) == {
        str(pk) for pk in Dispatch.objects.values_list("pk", flat=True)
    }


def test_nominating_more_than_the_seats_is_refused(world, staff, klass, client):
    extra = cadre("赵强", world.a, world.city_od)
    allot(client, world, klass, f"{world.a.code} 1")
    allocation = QuotaAllocation.objects.get()
    task = open_task(process_of(allocation, "NominationFlow"), "nominate")
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 302
    events = AuditEvent.objects.count()
    response = act(client, task, {"cadres": [world.cadre_a.pk, extra.pk]})
    assert response.status_code == 200
    assert "推荐2人，超过本单位名额1个。" in response.content.decode()
    allocation.refresh_from_db()
    assert allocation.status == QuotaStatus.AWAITING_NOMINATION
    assert not allocation.nominees.exists()
    assert AuditEvent.objects.count() == events
    task.refresh_from_db()
    assert task.status == "ASSIGNED"


def test_nominating_a_cadre_of_another_unit_is_refused(world, staff, klass, client):
    allot(client, world, klass, f"{world.a.code} 2")
    allocation = QuotaAllocation.objects.get()
    task = open_task(process_of(allocation, "NominationFlow"), "nominate")
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 302  # audited as the claim
    events = AuditEvent.objects.count()
    response = act(client, task, {"cadres": [world.cadre_a.pk, world.cadre_b.pk]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "所选人选中有1名不属于本单位或已不存在，请重新选择。" in page
    assert "张喆" not in page and "有效的选项" not in page
    allocation.refresh_from_db()
    assert not allocation.nominees.exists()
    assert AuditEvent.objects.count() == events


def test_more_seats_than_the_class_holds_are_refused(world, klass, client):
    response = allot(client, world, klass, f"{world.a.code} 8\n{world.b.code} 3")
    assert response.status_code == 200
    assert "名额" in response.content.decode()
    assert not RollCall.objects.exists()


def test_an_unknown_unit_code_is_refused(world, klass, client):
    response = allot(client, world, klass, "no-such-unit 2")
    assert response.status_code == 200
    assert not RollCall.objects.exists()


def test_outsiders_are_refused_at_every_nomination_step(world, staff, klass, client):
    allot(client, world, klass, f"{world.a.code} 2")
    allocation = QuotaAllocation.objects.get()
    process = process_of(allocation, "NominationFlow")
    task = open_task(process, "nominate")
    for outsider in (staff.luke, world.charlie, world.carol, world.nobody):
        client.force_login(outsider)
        # Unit A's nomination is out of their reach: 404.
        assert client.post(task_url(task, "assign")).status_code == 404
        assert client.get(f"/workflow/nomination/{process.pk}/").status_code == 404
    client.force_login(staff.lily)
    act(client, task, {"cadres": [world.cadre_a.pk]})
    task = open_task(process, "head_approval")
    # Who sees the nomination but may not approve it gets 403; another unit's head 404.
    for outsider, refused in ((staff.lily, 403), (world.bob, 403), (world.charlie, 404)):
        client.force_login(outsider)
        assert client.post(task_url(task, "assign")).status_code == refused
    client.force_login(world.alice)
    act(client, task, {"decision": "approve"})
    task = open_task(process, "dispatcher_review")
    # Unit A's head and the city's org head see it (403); the county dispatcher does not.
    for outsider, refused in ((world.alice, 403), (staff.oscar, 403), (world.carol, 404)):
        client.force_login(outsider)
        assert client.post(task_url(task, "assign")).status_code == refused
    assert QuotaAllocation.objects.get().status == QuotaStatus.AWAITING_DISPATCHER
