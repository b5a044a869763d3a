"""我的待办 through the API (the tasks a caller holds or may take, each with the action
that completes it), and 签收 of one's own notification as in the inbox."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from dispatch.models import Dispatch, DispatchStatus
from notifications.models import Event, Notification
from tests.api.actiontools import api, event_count, post, verbs
from tests.factories import cadre
from tests.flowtools import issue_roll_call, open_task, process_of

pytestmark = pytest.mark.django_db

TASKS = "/api/v1/actions/tasks/"


def test_my_open_tasks_list_what_i_may_take_with_its_action(client, world, staff, klass):
    issue_roll_call(client, world, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")

    rows = api(staff.lily).get(TASKS).json()["results"]

    assert [(r["id"], r["node"], r["mine"], r["actions"]) for r in rows] == [
        (task.pk, "confirm", False, ["confirm", "request"])
    ]
    assert rows[0]["due"]
    assert api(staff.lily).get(f"{TASKS}{task.pk}/").json()["id"] == task.pk
    assert api(staff.luke).get(TASKS).json()["results"] == []  # unit B's liaison
    assert api(staff.luke).get(f"{TASKS}{task.pk}/").status_code == 404
    assert api(world.charlie).get(f"{TASKS}{task.pk}/").status_code == 404


def test_the_list_costs_the_same_queries_for_many_tasks(
    client, world, staff, klass, django_assert_max_num_queries
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    lily = api(staff.lily)
    with CaptureQueriesContext(connection) as one:
        assert len(lily.get(TASKS).json()["results"]) == 1
    queries = len(one.captured_queries)  # now: the next request empties the log
    others = [cadre(f"干部{i}", world.a, world.city_od) for i in range(8)]
    issue_roll_call(client, world, klass, others)

    with django_assert_max_num_queries(queries):
        assert len(lily.get(TASKS).json()["results"]) == 9


def test_anonymous_callers_are_refused(client):
    from rest_framework.test import APIClient

    assert APIClient().get(TASKS).status_code in (401, 403)
    assert APIClient().post(f"{TASKS}1/confirm/").status_code in (401, 403)


def test_the_trainee_acknowledges_the_notice_from_the_inbox(client, world, staff, klass):
    issue_roll_call(client, world, klass, [world.cadre_a])
    dispatch = Dispatch.objects.get()
    process = process_of(dispatch, "DispatchFlow")
    post(staff.lily, f"tasks/{open_task(process, 'confirm').pk}/confirm/")
    notice = Notification.objects.get(recipient=world.dave, event=Event.NOTICE_ISSUED)

    assert post(staff.lily, f"notifications/{notice.pk}/acknowledge/").status_code == 404
    response = post(world.dave, f"notifications/{notice.pk}/acknowledge/", REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 200, response.json()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED  # the task completed too
    ack = process.task_set.get(flow_task__endswith=".acknowledge")
    assert (ack.status, ack.owner) == (STATUS.DONE, world.dave)
    assert "notification.acknowledge" in verbs(notice)
    first = response.json()["acknowledged_at"]
    before = event_count()
    again = post(world.dave, f"notifications/{notice.pk}/acknowledge/")
    assert again.status_code == 200 and again.json()["acknowledged_at"] == first
    assert event_count() == before


def test_a_notification_that_needs_no_acknowledgement_is_a_400(world):
    plain = Notification.objects.create(
        key="test:plain", recipient=world.dave, event=Event.NOTICE_ISSUED, title="提醒"
    )
    before = event_count()

    response = post(world.dave, f"notifications/{plain.pk}/acknowledge/")

    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert event_count() == before
