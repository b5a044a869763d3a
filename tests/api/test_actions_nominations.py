"""A nomination for allotted seats through the API — the liaison nominates, the unit head
approves or returns, the dispatcher accepts or returns — completes NominationFlow's tasks
as their pages do: same services, same audit trail, and an accepted nomination becomes a
dispatch per nominee. Who may not take a step is refused before the body is read (404
out of reach, 403 a role lacking or 回避), and a refusal writes nothing."""

import pytest
from viewflow.workflow.status import STATUS

from core.locking import LockBusy
from dispatch import services as dispatch_services
from dispatch.models import Dispatch, DispatchStatus, QuotaAllocation, QuotaStatus
from org.models import Cadre
from tests.api.actiontools import api, event_count, post, verbs
from tests.factories import cadre
from tests.flowtools import act, allot, deadline, open_task, process_of, recusal

pytestmark = [pytest.mark.django_db, pytest.mark.klass(quota=10)]


def nominate(liaison, process, people):
    return post(liaison, f"tasks/{open_task(process, 'nominate').pk}/nominate/", {"cadres": people})


def head(person, process, decision, reason=""):
    task = open_task(process, "head_approval")
    return post(
        person, f"tasks/{task.pk}/approve-nomination/", {"decision": decision, "reason": reason}
    )


def review(person, process, decision, reason=""):
    task = open_task(process, "dispatcher_review")
    return post(
        person, f"tasks/{task.pk}/review-nomination/", {"decision": decision, "reason": reason}
    )


def untouched(task, before):
    """Nothing written: the task neither claimed nor done, no audit event."""
    task.refresh_from_db()
    return (task.status, task.owner_id, event_count()) == (STATUS.NEW, None, before)


def test_the_liaison_nominates_through_the_api_as_on_the_page(client, world, staff, klass):
    allocation, process = allot(client, world, klass)
    task = open_task(process, "nominate")

    response = nominate(staff.lily, process, [world.cadre_a.pk])

    assert response.status_code == 200, response.json()
    allocation.refresh_from_db()
    task.refresh_from_db()
    assert allocation.status == QuotaStatus.AWAITING_HEAD
    assert list(allocation.nominees.all()) == [world.cadre_a]
    assert allocation.nominated_by == staff.lily
    assert (task.status, task.owner) == (STATUS.DONE, staff.lily)
    assert verbs(allocation) == ["quota.allot", "quota.nominate"]
    body = response.json()
    assert body["subject_status"] == QuotaStatus.AWAITING_HEAD
    assert [t["node"] for t in body["open_tasks"]] == ["head_approval"]


def test_a_nomination_carried_through_the_api_ends_as_the_pages_do(client, world, staff, klass):
    """Unit A's seats of one class go through the pages, those of a second class through
    the API: same statuses, same audit verbs, a dispatch per nominee waiting for its
    confirmation."""
    by_page, page_process = allot(client, world, klass)
    client.force_login(staff.lily)
    act(client, open_task(page_process, "nominate"), {"cadres": [world.cadre_a1.pk]})
    client.force_login(world.alice)
    act(client, open_task(page_process, "head_approval"), {"decision": "approve"})
    client.force_login(world.bob)
    act(client, open_task(page_process, "dispatcher_review"), {"decision": "accept"})
    allocation, process = allot_for(client, world, another_class(klass))

    assert nominate(staff.lily, process, [world.cadre_a.pk]).status_code == 200
    assert head(world.alice, process, "approve").status_code == 200
    accepted = review(world.bob, process, "accept")

    assert accepted.status_code == 200, accepted.json()
    allocation.refresh_from_db()
    by_page.refresh_from_db()
    assert allocation.status == by_page.status == QuotaStatus.ACCEPTED
    assert accepted.json()["process_status"] == "DONE"
    assert (
        verbs(allocation)
        == verbs(by_page)
        == [
            "quota.allot",
            "quota.nominate",
            "quota.head_approve",
            "quota.accept",
        ]
    )
    dispatch = Dispatch.objects.get(cadre=world.cadre_a)
    page_dispatch = Dispatch.objects.get(cadre=world.cadre_a1)
    assert dispatch.status == page_dispatch.status == DispatchStatus.NAMED
    assert verbs(dispatch) == verbs(page_dispatch)
    assert open_task(process_of(dispatch, "DispatchFlow"), "confirm") is not None


def another_class(klass):
    other = type(klass).objects.get(pk=klass.pk)
    other.pk, other.name = None, "另一个班次"
    other.save()
    return other


def allot_for(client, world, klass, seats=2):
    """Bob allots seats of `klass` to unit A on the start page (another class than the
    one `tests.flowtools.allot` allots)."""
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(),
            "allocations": f"{world.a.code} {seats}",
        },
    )
    assert response.status_code == 302
    allocation = QuotaAllocation.objects.get(unit=world.a, roll_call__training_class=klass)
    return allocation, process_of(allocation, "NominationFlow")


def test_the_head_and_the_dispatcher_return_it_with_a_reason(client, world, staff, klass):
    allocation, process = allot(client, world, klass)
    nominate(staff.lily, process, [world.cadre_a.pk])

    returned = head(world.alice, process, "return", "人选不符合条件")

    assert returned.status_code == 200, returned.json()
    allocation.refresh_from_db()
    assert allocation.status == QuotaStatus.AWAITING_NOMINATION
    assert allocation.return_reason == "人选不符合条件"
    assert [t["node"] for t in returned.json()["open_tasks"]] == ["nominate"]

    nominate(staff.lily, process, [world.cadre_a1.pk])
    head(world.alice, process, "approve")
    sent_back = review(world.bob, process, "return", "请更换人选")

    assert sent_back.status_code == 200, sent_back.json()
    allocation.refresh_from_db()
    assert (allocation.status, allocation.times_returned) == (QuotaStatus.AWAITING_NOMINATION, 1)
    assert verbs(allocation)[-1] == "quota.return"
    assert not Dispatch.objects.exists()


def test_returning_without_a_reason_is_a_400_and_writes_nothing(client, world, staff, klass):
    allocation, process = allot(client, world, klass)
    nominate(staff.lily, process, [world.cadre_a.pk])
    task = open_task(process, "head_approval")
    before = event_count()

    refused = head(world.alice, process, "return", "  ")

    assert refused.status_code == 400
    assert "reason" in refused.json(), refused.json()
    assert untouched(task, before)
    bad = head(world.alice, process, "maybe")
    assert bad.status_code == 400 and "decision" in bad.json()
    assert untouched(task, before)


def test_a_stranger_gets_404_and_a_wrong_role_403_at_every_step(client, world, staff, klass):
    allocation, process = allot(client, world, klass)
    body = {"cadres": [world.cadre_a.pk]}
    task = open_task(process, "nominate")
    before = event_count()

    assert post(world.charlie, f"tasks/{task.pk}/nominate/", body).status_code == 404
    assert post(world.carol, f"tasks/{task.pk}/nominate/", body).status_code == 404
    refused = post(world.alice, f"tasks/{task.pk}/nominate/", body)  # the head, not the liaison
    assert refused.status_code == 403 and refused.json()["detail"]
    assert untouched(task, before)

    nominate(staff.lily, process, [world.cadre_a.pk])
    task = open_task(process, "head_approval")
    before = event_count()
    decision = {"decision": "approve"}
    assert post(world.charlie, f"tasks/{task.pk}/approve-nomination/", decision).status_code == 404
    assert post(staff.lily, f"tasks/{task.pk}/approve-nomination/", decision).status_code == 403
    assert post(world.bob, f"tasks/{task.pk}/approve-nomination/", decision).status_code == 403
    assert untouched(task, before)

    head(world.alice, process, "approve")
    task = open_task(process, "dispatcher_review")
    before = event_count()
    decision = {"decision": "accept"}
    assert post(world.charlie, f"tasks/{task.pk}/review-nomination/", decision).status_code == 404
    assert post(world.carol, f"tasks/{task.pk}/review-nomination/", decision).status_code == 404
    assert post(world.alice, f"tasks/{task.pk}/review-nomination/", decision).status_code == 403
    assert untouched(task, before)
    # A task of another step is no task of this action.
    assert post(world.bob, f"tasks/{task.pk}/nominate/", body).status_code == 404


@pytest.mark.parametrize(
    "people, message",
    [
        (lambda w, extra: [w.cadre_a.pk, w.cadre_b.pk], "不属于本单位"),  # B's cadre: not offered
        (lambda w, extra: [w.cadre_a.pk, w.cadre_a1.pk, extra.pk], "名额"),  # three for two seats
        (lambda w, extra: [], "至少"),
        (lambda w, extra: [w.cadre_a.pk, w.cadre_a.pk], "重复"),
        (lambda w, extra: "abc", None),
    ],
)
def test_a_bad_nomination_is_a_400_beside_the_cadres_and_writes_nothing(
    client, world, staff, klass, people, message
):
    extra = cadre("赵强", world.a, world.city_od)
    allocation, process = allot(client, world, klass)
    task = open_task(process, "nominate")
    before = event_count()

    response = nominate(staff.lily, process, people(world, extra))

    assert response.status_code == 400
    assert "cadres" in response.json(), response.json()
    if message:
        assert message in str(response.json()), response.json()
    assert world.cadre_b.name not in str(response.json())  # names nobody out of reach
    assert untouched(task, before)
    allocation.refresh_from_db()
    assert not allocation.nominees.exists()


def test_a_head_named_among_the_nominees_is_recused_with_the_reason(client, world, staff, klass):
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=world.alice)
    allocation, process = allot(client, world, klass)
    nominate(staff.lily, process, [world.cadre_a1.pk])
    task = open_task(process, "head_approval")
    before = event_count()

    refused = head(world.alice, process, "approve")

    assert refused.status_code == 403
    assert refused.json()["detail"] == recusal()
    assert untouched(task, before)


def test_nominating_twice_is_a_409(client, world, staff, klass):
    allocation, process = allot(client, world, klass)
    task = open_task(process, "nominate")
    assert nominate(staff.lily, process, [world.cadre_a.pk]).status_code == 200
    before = event_count()

    again = post(staff.lily, f"tasks/{task.pk}/nominate/", {"cadres": [world.cadre_a.pk]})

    assert again.status_code == 409 and "已" in again.json()["detail"]
    assert event_count() == before


def test_my_tasks_name_the_action_of_each_step(client, world, staff, klass):
    allocation, process = allot(client, world, klass)
    task = open_task(process, "nominate")

    rows = api(staff.lily).get("/api/v1/actions/tasks/").json()["results"]

    assert [row["actions"] for row in rows if row["id"] == task.pk] == [["nominate"]]
    nominate(staff.lily, process, [world.cadre_a.pk])
    head_task = open_task(process, "head_approval")
    rows = api(world.alice).get("/api/v1/actions/tasks/").json()["results"]
    assert [row["actions"] for row in rows if row["id"] == head_task.pk] == [["approve-nomination"]]


def test_a_lock_held_by_someone_else_is_a_409_and_keeps_nothing(
    client, world, staff, klass, monkeypatch
):
    allocation, process = allot(client, world, klass)
    task = open_task(process, "nominate")
    before = event_count()

    def held(**kwargs):
        raise LockBusy()

    monkeypatch.setattr(dispatch_services, "nomination_submit", held)
    response = nominate(staff.lily, process, [world.cadre_a.pk])

    assert response.status_code == 409
    assert response.json()["detail"] == "该事项正在由他人办理，请稍后重试"
    assert untouched(task, before)  # the claim rolled back too
