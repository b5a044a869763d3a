"""Issuing a roll call and submitting a filing (报备) through the API start the same
process as their start pages: same service, same audit events, same first tasks."""

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from dispatch.models import Dispatch, DispatchStatus, Filing, QuotaAllocation, RollCall
from tests.api.actiontools import event_count, post, verbs
from tests.flowtools import deadline, filing_data, open_task, post_roll_call, process_of

pytestmark = pytest.mark.django_db


def iso_deadline(days=10):
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def named_body(klass, people, **changes):
    body = {
        "training_class": klass.pk,
        "mode": "named",
        "response_deadline": iso_deadline(),
        "cadres": [c.pk for c in people],
    }
    body.update(changes)
    return body


def test_a_named_roll_call_through_the_api_equals_the_page(client, world, klass):
    other = type(klass).objects.get(pk=klass.pk)
    other.pk = None
    other.name = "另一个班次"
    other.start_date += dt.timedelta(days=30)
    other.end_date += dt.timedelta(days=30)
    other.report_date += dt.timedelta(days=30)
    other.save()
    client.force_login(world.bob)
    assert post_roll_call(client, other, [world.cadre_a1], deadline()).status_code == 302

    response = post(world.bob, "roll-calls/", named_body(klass, [world.cadre_a]))

    assert response.status_code == 201, response.json()
    body = response.json()
    roll_call = RollCall.objects.get(pk=body["id"])
    by_page = RollCall.objects.exclude(pk=roll_call.pk).get()
    assert roll_call.created_by == world.bob
    assert verbs(roll_call) == verbs(by_page) == ["rollcall.issue"]
    dispatch = Dispatch.objects.get(roll_call=roll_call)
    page_dispatch = Dispatch.objects.get(roll_call=by_page)
    assert dispatch.cadre == world.cadre_a and dispatch.status == DispatchStatus.NAMED
    assert verbs(dispatch) == verbs(page_dispatch)
    assert body["dispatches"] == [{"id": dispatch.pk, "cadre": world.cadre_a.pk, "status": "named"}]
    assert body["process"] == process_of(roll_call, "RollCallFlow").pk
    confirm = open_task(process_of(dispatch, "DispatchFlow"), "confirm")
    assert confirm.status == STATUS.NEW  # waits for unit A's liaison, as after the page
    page_confirm = open_task(process_of(page_dispatch, "DispatchFlow"), "confirm")
    assert (confirm.owner_permission, confirm.owner_permission_obj_pk) == (
        page_confirm.owner_permission,
        str(world.a.pk),
    )


def test_a_quota_roll_call_allots_seats_and_starts_nominations(world, klass):
    response = post(
        world.bob,
        "roll-calls/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": iso_deadline(),
            "allocations": [{"unit": world.a.pk, "seats": 2}, {"unit": world.b.pk, "seats": 1}],
        },
    )

    assert response.status_code == 201, response.json()
    allocations = QuotaAllocation.objects.order_by("pk")
    assert [(a.unit, a.seats) for a in allocations] == [(world.a, 2), (world.b, 1)]
    assert all(open_task(process_of(a, "NominationFlow"), "nominate") for a in allocations)
    assert verbs(allocations[0]) == ["quota.allot"]


def test_a_liaison_may_not_issue_a_roll_call(world, staff, klass):
    before = event_count()

    refused = post(staff.lily, "roll-calls/", named_body(klass, [world.cadre_a]))

    assert refused.status_code == 403
    assert not RollCall.objects.exists()
    assert event_count() == before


def test_the_county_dispatcher_cannot_name_for_the_citys_class_or_its_cadres(world, klass):
    refused = post(world.carol, "roll-calls/", named_body(klass, [world.cadre_a]))

    assert refused.status_code == 400
    assert set(refused.json()) == {"training_class", "cadres"}
    assert "outside" not in str(refused.json())  # Chinese, and names nobody
    assert world.cadre_a.name not in str(refused.json())
    assert not RollCall.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"cadres": []}, "cadres"),
        ({"mode": "lottery"}, "mode"),
        ({"response_deadline": "2020-01-01T09:00:00+08:00"}, "response_deadline"),
        ({"response_deadline": "明天"}, "response_deadline"),
        ({"training_class": 999999999}, "training_class"),
        ({"training_class": "abc"}, "training_class"),
    ],
)
def test_bad_roll_calls_answer_400_with_the_field(world, klass, changes, field):
    before = event_count()

    response = post(world.bob, "roll-calls/", named_body(klass, [world.cadre_a], **changes))

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not RollCall.objects.exists()
    assert event_count() == before


def test_naming_the_same_cadres_again_is_refused_as_a_clash(world, klass):
    assert post(world.bob, "roll-calls/", named_body(klass, [world.cadre_a])).status_code == 201

    again = post(world.bob, "roll-calls/", named_body(klass, [world.cadre_a]))

    assert again.status_code == 400
    assert world.cadre_a.name in str(again.json())  # 王堃 is already dispatched …
    assert RollCall.objects.count() == 1


def test_a_duplicate_cadre_is_refused(world, klass):
    response = post(world.bob, "roll-calls/", named_body(klass, [world.cadre_a, world.cadre_a]))

    assert response.status_code == 400 and "cadres" in response.json()


def test_quota_seats_outside_the_jurisdiction_are_refused(world, klass):
    response = post(
        world.carol,
        "roll-calls/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": iso_deadline(),
            "allocations": [{"unit": world.a.pk, "seats": 2}],
        },
    )

    assert response.status_code == 400
    assert "allocations" in response.json()


# -- filing ----------------------------------------------------------------------------


def filing_body(world, **changes):
    data = filing_data(world, **changes)
    for key in ("start_date", "end_date"):
        data[key] = data[key].isoformat()
    return data


def test_the_liaison_submits_a_filing_as_on_the_page(client, world, staff):
    response = post(staff.lily, "filings/", filing_body(world))

    assert response.status_code == 201, response.json()
    filing = Filing.objects.get(pk=response.json()["id"])
    assert filing.filed_by == staff.lily and filing.status == "submitted"
    assert set(filing.participants.all()) == {world.cadre_a, world.cadre_a1}
    assert verbs(filing) == ["filing.submit"]
    review = open_task(process_of(filing, "FilingFlow"), "review")
    assert review is not None and review.status == STATUS.NEW

    client.force_login(staff.lily)
    page = client.post("/workflow/filing/start/", filing_data(world, title="第二期"))
    assert page.status_code == 302
    by_page = Filing.objects.exclude(pk=filing.pk).get()
    assert verbs(by_page) == verbs(filing)
    assert open_task(process_of(by_page, "FilingFlow"), "review").owner_permission == (
        review.owner_permission
    )


def test_only_a_liaison_files_and_only_for_their_unit(world, staff):
    assert post(world.bob, "filings/", filing_body(world)).status_code == 403
    other = post(staff.luke, "filings/", filing_body(world))  # B's liaison, A's unit
    assert other.status_code == 400
    assert {"unit", "participants"} <= set(other.json())
    assert not Filing.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"hours": "0"}, "hours"),
        ({"hours": "500"}, "hours"),
        ({"participants": []}, "participants"),
        ({"title": "长" * 200}, "title"),
    ],
)
def test_bad_filings_answer_400(world, staff, changes, field):
    before = event_count()

    response = post(staff.lily, "filings/", filing_body(world, **changes))

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Filing.objects.exists()
    assert event_count() == before


def test_reversed_dates_are_refused_beside_the_end_date(world, staff):
    start = dt.date.today() - dt.timedelta(days=3)
    response = post(
        staff.lily,
        "filings/",
        filing_body(world, start_date=start, end_date=start - dt.timedelta(days=2)),
    )

    assert response.status_code == 400
    assert "end_date" in response.json(), response.json()
