"""Nobody reviews a filing (报备) they filed or that credits them (回避): Bob, the city's
dispatcher, is also unit A's liaison and has a cadre record in A. A filing he files, or
resubmits, or that names him as a participant, is reviewed by Bea, the city's other
dispatcher — not by him. Refused by the service with nothing written, and by the pages
(403 with the reason); his 我的待办 marks the step."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, override
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from dispatch.flows import FilingFlow
from dispatch.models import Filing, FilingStatus
from dispatch.policy import filing_recusal, makers_of_filings
from dispatch.services.filing import filing_review, filing_submit
from ledger.models import HourRecord
from org import services as org_services
from org.models import Cadre
from tests.factories import user
from tests.flowtools import act, filing_data, open_task, process_of, task_url

DECISIONS = (
    (FilingStatus.ACCEPTED, ""),
    (FilingStatus.RETURNED, "请附培训日程"),
    (FilingStatus.REJECTED, "非组织调训范围"),
)


@pytest.fixture
def bea(world):
    """The city's other dispatcher."""
    return user("bea", "dispatcher", world.root)


@pytest.fixture
def bob_liaison(world):
    """Bob, the city's dispatcher, is unit A's liaison too, and 李玥 (cadre A1) is his own
    cadre record."""
    org_services.role_grant(actor=None, user=world.bob, role="unit_liaison", unit=world.a)
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=world.bob)
    return world.bob


def _file(world, actor, participants):
    data = filing_data(world)
    return filing_submit(
        actor=actor,
        unit=world.a,
        title=data["title"],
        organizer_name=data["organizer_name"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        hours=data["hours"],
        participants=participants,
    )


def _state(filing):
    filing = Filing.objects.get(pk=filing.pk)
    return filing.status, HourRecord.objects.count(), AuditEvent.objects.count()


def _reason(user, filing) -> str:
    with override("zh-hans"):
        return filing_recusal(user, filing)


def _assert_refused(actor, filing, reason):
    before = _state(filing)
    for decision, comment in DECISIONS:
        with override("zh-hans"), pytest.raises(PermissionDenied) as refused:
            filing_review(actor=actor, filing=filing, decision=decision, comment=comment)
        assert str(refused.value) == reason
    assert _state(filing) == before


def test_the_service_refuses_the_dispatcher_who_filed_it(world, bob_liaison, bea):
    filing = _file(world, world.bob, [world.cadre_a])  # not naming himself
    reason = _reason(world.bob, filing)
    assert reason
    _assert_refused(world.bob, filing, reason)
    filing_review(actor=bea, filing=filing, decision=FilingStatus.ACCEPTED)
    assert _state(filing)[:2] == (FilingStatus.ACCEPTED, 1)


def test_the_service_refuses_a_dispatcher_the_filing_credits(world, staff, bob_liaison, bea):
    filing = _file(world, staff.lily, [world.cadre_a, world.cadre_a1])  # Lily names Bob
    reason = _reason(world.bob, filing)
    assert reason and reason != _reason(world.bob, _file(world, world.bob, [world.cadre_a]))
    _assert_refused(world.bob, filing, reason)
    filing_review(actor=bea, filing=filing, decision=FilingStatus.ACCEPTED)
    assert HourRecord.objects.filter(cadre=world.cadre_a1, hours=24).exists()


def test_the_dispatcher_who_resubmitted_it_is_refused(client, world, staff, bob_liaison, bea):
    # Lily files (naming cadre A only), Bea returns it, Bob corrects and resubmits it.
    client.force_login(staff.lily)
    data = filing_data(world, participants=[world.cadre_a.pk])
    assert client.post("/workflow/filing/start/", data).status_code == 302
    filing = Filing.objects.get()
    process = process_of(filing, "FilingFlow")
    client.force_login(bea)
    act(client, open_task(process, "review"), {"decision": "returned", "reason": "请附日程"})
    client.force_login(world.bob)
    assert act(client, open_task(process, "correct"), data).status_code == 302
    assert _state(filing)[0] == FilingStatus.SUBMITTED
    _assert_refused(world.bob, filing, _reason(world.bob, filing))
    assert not FilingFlow.review.can_assign(world.bob, open_task(process, "review"))


def test_the_pages_refuse_him_and_another_dispatcher_accepts(client, world, bob_liaison, bea):
    # The audit's case: Bob files, through the page, a training naming himself.
    client.force_login(world.bob)
    data = filing_data(world)
    assert client.post("/workflow/filing/start/", data).status_code == 302
    filing = Filing.objects.get()
    process = process_of(filing, "FilingFlow")
    task = open_task(process, "review")
    node = FilingFlow.review
    assert not node.can_assign(world.bob, task)
    assert node.can_assign(bea, task)

    # His claim and form pages answer 403 with the reason; nothing changes.
    with override("zh-hans"):
        reason = filing_recusal(world.bob, filing)
    client.force_login(world.bob)
    for response in (client.post(task_url(task, "assign")), client.get(task_url(task, "assign"))):
        assert response.status_code == 403
        assert reason in response.content.decode()
    response = client.post(task_url(task, "execute"), {"decision": "accepted"})
    assert response.status_code == 403
    assert client.get(task_url(task, "detail")).status_code == 200
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)
    assert _state(filing)[:2] == (FilingStatus.SUBMITTED, 0)

    # Bea takes the same task and accepts: both participants are credited, by her.
    client.force_login(bea)
    assert act(client, task, {"decision": "accepted"}).status_code == 302
    assert _state(filing)[:2] == (FilingStatus.ACCEPTED, 2)
    assert HourRecord.objects.get(cadre=world.cadre_a1).hours == 24
    assert AuditEvent.objects.get(verb="filing.accepted").actor == bea
    assert set(AuditEvent.objects.filter(verb="hours.credit").values_list("actor", flat=True)) == {
        bea.pk
    }


def test_my_tasks_marks_the_step_for_him_only(client, world, staff, bob_liaison, bea):
    client.force_login(staff.lily)
    for title in ("第一期", "第二期"):  # both name Bob's cadre record
        response = client.post("/workflow/filing/start/", filing_data(world, title=title))
        assert response.status_code == 302
    filings = list(Filing.objects.all())
    assert all(world.bob.pk in m for m in makers_of_filings(filings).values())
    task = open_task(process_of(filings[0], "FilingFlow"), "review")

    client.force_login(world.bob)
    listed = client.get("/tasks/").content.decode()
    with override("zh-hans"):
        assert listed.count(gettext("Recused: another authority decides it")) == 2
    assert task_url(task, "assign") not in listed and task_url(task, "detail") in listed
    rows = client.get("/api/v1/actions/tasks/").json()["results"]
    assert [r["recused"] for r in rows if r["node"] == "review"] == [True, True]

    client.force_login(bea)
    listed = client.get("/tasks/").content.decode()
    assert task_url(task, "assign") in listed
    rows = client.get("/api/v1/actions/tasks/").json()["results"]
    assert [r["recused"] for r in rows if r["node"] == "review"] == [False, False]


def test_a_dispatcher_who_neither_filed_it_nor_is_named_still_reviews(world, staff):
    filing = _file(world, staff.lily, [world.cadre_a, world.cadre_a1])
    assert filing_recusal(world.bob, filing) is None
    assert filing_recusal(world.dave, filing)  # cadre A's own account
    filing_review(actor=world.bob, filing=filing, decision=FilingStatus.ACCEPTED)
    assert _state(filing)[:2] == (FilingStatus.ACCEPTED, 2)
