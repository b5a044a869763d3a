"""A filing's (报备) review and correction through the API complete FilingFlow's tasks as
their pages do: accepted, the participants are credited; returned, the liaison corrects
it and it is reviewed again. 回避 as on the page; who may not take the step is refused
before the body is read, and a refusal writes nothing."""

import datetime as dt

import pytest
from django.db import OperationalError
from viewflow.workflow.status import STATUS

from dispatch import services as dispatch_services
from dispatch.models import Filing, FilingStatus
from ledger.models import HourKind, HourRecord
from org.models import Cadre
from tests.api.actiontools import event_count, post, verbs
from tests.factories import user
from tests.flowtools import act, filing_data, open_task, process_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(client, world, staff):
    """Unit A's liaison (Lily) filed a three-day training of cadres A and A1 on the page."""
    client.force_login(staff.lily)
    assert client.post("/workflow/filing/start/", filing_data(world)).status_code == 302
    filing = Filing.objects.get()
    return filing, process_of(filing, "FilingFlow")


def review(person, process, decision, comment=""):
    task = open_task(process, "review")
    body = {"decision": decision, "comment": comment}
    return post(person, f"tasks/{task.pk}/review-filing/", body)


def correction(world, **changes):
    data = filing_data(world, **changes)
    data.pop("unit")
    for key in ("start_date", "end_date"):
        data[key] = data[key].isoformat()
    return data


def untouched(task, before):
    task.refresh_from_db()
    return (task.status, task.owner_id, event_count()) == (STATUS.NEW, None, before)


def test_the_dispatcher_accepts_a_filing_and_the_hours_are_credited(filed, world):
    filing, process = filed
    task = open_task(process, "review")

    response = review(world.bob, process, "accepted")

    assert response.status_code == 200, response.json()
    filing.refresh_from_db()
    task.refresh_from_db()
    assert filing.status == FilingStatus.ACCEPTED
    assert (task.status, task.owner) == (STATUS.DONE, world.bob)
    assert response.json()["process_status"] == "DONE"
    assert verbs(filing) == ["filing.submit", "filing.accepted"]
    records = HourRecord.objects.filter(source="filing")
    assert {r.cadre for r in records} == {world.cadre_a, world.cadre_a1}
    assert {(r.hours, r.kind) for r in records} == {(24, HourKind.CONCENTRATED)}
    assert [verbs(r) for r in records] == [["hours.credit"], ["hours.credit"]]


def test_returned_corrected_and_accepted_through_the_api_as_on_the_pages(
    client, filed, world, staff
):
    filing, process = filed

    returned = review(world.bob, process, "returned", "请附培训日程")

    assert returned.status_code == 200, returned.json()
    filing.refresh_from_db()
    assert (filing.status, filing.review_comment) == (FilingStatus.RETURNED, "请附培训日程")
    assert [t["node"] for t in returned.json()["open_tasks"]] == ["correct"]
    task = open_task(process, "correct")

    corrected = post(
        staff.lily,
        f"tasks/{task.pk}/correct-filing/",
        correction(world, title="业务能力提升培训（附日程）", participants=[world.cadre_a.pk]),
    )

    assert corrected.status_code == 200, corrected.json()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED
    assert filing.title == "业务能力提升培训（附日程）" and filing.unit == world.a
    assert list(filing.participants.all()) == [world.cadre_a]
    assert [t["node"] for t in corrected.json()["open_tasks"]] == ["review"]
    assert review(world.bob, process, "accepted").status_code == 200
    trail = ["filing.submit", "filing.returned", "filing.correct", "filing.accepted"]
    assert verbs(filing) == trail
    assert HourRecord.objects.get(source="filing").cadre == world.cadre_a

    # The same trail as a filing taken through the pages (of other days: those of the
    # first are credited now).
    earlier = {"start_date": dt.date.today() - dt.timedelta(days=30)}
    earlier["end_date"] = earlier["start_date"] + dt.timedelta(days=2)
    client.force_login(staff.lily)
    assert client.post("/workflow/filing/start/", filing_data(world, **earlier)).status_code == 302
    by_page = Filing.objects.exclude(pk=filing.pk).get()
    page_process = process_of(by_page, "FilingFlow")
    client.force_login(world.bob)
    act(client, open_task(page_process, "review"), {"decision": "returned", "reason": "请附日程"})
    client.force_login(staff.lily)
    act(client, open_task(page_process, "correct"), filing_data(world, **earlier))
    client.force_login(world.bob)
    act(client, open_task(page_process, "review"), {"decision": "accepted"})
    assert verbs(by_page) == trail


def test_a_stranger_gets_404_and_a_wrong_role_403(filed, world, staff):
    filing, process = filed
    task = open_task(process, "review")
    before = event_count()

    assert review(world.charlie, process, "accepted").status_code == 404
    assert review(world.carol, process, "accepted").status_code == 404  # the county's dispatcher
    refused = review(staff.lily, process, "accepted")  # sees her filing, does not review it
    assert refused.status_code == 403 and refused.json()["detail"]
    assert untouched(task, before)

    review(world.bob, process, "returned", "请附培训日程")
    task = open_task(process, "correct")
    before = event_count()
    body = correction(world)
    assert post(world.charlie, f"tasks/{task.pk}/correct-filing/", body).status_code == 404
    assert post(staff.luke, f"tasks/{task.pk}/correct-filing/", body).status_code == 404
    assert post(world.bob, f"tasks/{task.pk}/correct-filing/", body).status_code == 403
    assert untouched(task, before)
    assert post(staff.lily, f"tasks/{task.pk}/review-filing/", {}).status_code == 404


@pytest.mark.parametrize(
    "decision, comment, field",
    [
        ("returned", "", "comment"),
        ("rejected", "   ", "comment"),
        ("approved", "", "decision"),
        ("accepted", "长" * 1001, "comment"),
    ],
)
def test_a_bad_review_is_a_400_and_writes_nothing(filed, world, decision, comment, field):
    filing, process = filed
    task = open_task(process, "review")
    before = event_count()

    response = review(world.bob, process, decision, comment)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert untouched(task, before)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"hours": "0"}, "hours"),
        ({"hours": "500"}, "hours"),
        ({"participants": []}, "participants"),
        ({"title": ""}, "title"),
    ],
)
def test_a_bad_correction_is_a_400_and_writes_nothing(filed, world, staff, changes, field):
    filing, process = filed
    review(world.bob, process, "returned", "请附培训日程")
    task = open_task(process, "correct")
    before = event_count()

    response = post(staff.lily, f"tasks/{task.pk}/correct-filing/", correction(world, **changes))

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert untouched(task, before)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED


def test_a_dispatcher_credited_by_the_filing_is_recused_with_the_reason(filed, world):
    filing, process = filed
    dina = user("dina", "dispatcher", world.root)
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=dina)
    task = open_task(process, "review")
    before = event_count()

    refused = review(dina, process, "accepted")

    assert refused.status_code == 403
    assert "回避" in refused.json()["detail"], refused.json()
    assert untouched(task, before)
    assert not HourRecord.objects.exists()


def test_reviewing_twice_is_a_409(filed, world):
    filing, process = filed
    task = open_task(process, "review")
    assert review(world.bob, process, "accepted").status_code == 200
    before = event_count()

    again = post(world.bob, f"tasks/{task.pk}/review-filing/", {"decision": "accepted"})

    assert again.status_code == 409
    assert event_count() == before


def test_a_lock_held_by_someone_else_is_a_409_and_keeps_nothing(filed, world, monkeypatch):
    filing, process = filed
    task = open_task(process, "review")
    before = event_count()

    def held(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(dispatch_services, "filing_review", held)
    response = review(world.bob, process, "accepted")

    assert response.status_code == 409
    assert response.json()["detail"] == "该事项正在由他人办理，请稍后重试"
    assert untouched(task, before)
