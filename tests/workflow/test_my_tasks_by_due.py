"""我的待办 lists the most urgent first: the soonest due at the top (a step's deadline as
its flow declares it, `workflow.dues`), the steps with no deadline after them; each row
shows the deadline its flow keeps (a moment, or a day for a makeup)."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.models import ApprovalRequest, ApprovalStep
from dispatch.models import Dispatch, Filing, Makeup
from tests.api.actiontools import api
from tests.factories import cadre, training_class
from tests.flowtools import (
    filing_data,
    issue_roll_call,
    open_task,
    process_of,
    request,
    run_to_absence,
    task_url,
)

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def _positions(page: str, tasks, action="assign") -> list[int]:
    found = [page.find(f'href="{task_url(task, action)}"') for task in tasks]
    assert all(at >= 0 for at in found), found
    return found


def _confirm_tasks(client, world, klass, people):
    issue_roll_call(client, world, klass, people)
    return [
        open_task(process_of(Dispatch.objects.get(cadre=person), "DispatchFlow"), "confirm")
        for person in people
    ]


def test_the_task_due_soonest_is_listed_first_whenever_it_came(world, staff, klass, client):
    first, second, third = (cadre(f"干部{i}", world.a1, world.city_od) for i in range(3))
    tasks = _confirm_tasks(client, world, klass, [first, second, third])
    now = timezone.now()
    # Named together; then the dispatcher moved their deadlines apart, the last soonest.
    for person, days in ((first, 9), (second, 5), (third, 2)):
        Dispatch.objects.filter(cadre=person).update(confirm_due=now + dt.timedelta(days=days))

    client.force_login(staff.lily)
    for url in ["/tasks/", "/"]:
        at = _positions(client.get(url).content.decode(), tasks)
        assert at[2] < at[1] < at[0], (url, at)
    rows = api(staff.lily).get("/api/v1/actions/tasks/").json()["results"]
    assert [row["id"] for row in rows] == [tasks[2].pk, tasks[1].pk, tasks[0].pk]


def test_a_task_without_a_deadline_comes_after_those_with_one(world, staff, client):
    """The city dispatcher holds a filing to review (no deadline) filed before a makeup
    to schedule (due by a day): the makeup comes first, and shows its day."""
    client.force_login(staff.lily)
    assert client.post("/workflow/filing/start/", filing_data(world)).status_code == 302
    review = open_task(process_of(Filing.objects.get(), "FilingFlow"), "review")
    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    makeup = Makeup.objects.get(source=run_to_absence(client, world, staff, missed, world.cadre_a))
    schedule = open_task(process_of(makeup, "MakeupFlow"), "schedule")
    assert schedule.created > review.created

    client.force_login(world.bob)
    for url in ["/tasks/", "/"]:
        page = client.get(url).content.decode()
        at_schedule, at_review = _positions(page, [schedule, review])
        assert at_schedule < at_review, url
        day = makeup.due_date
        assert _due_cell(page, at_schedule) == f"{day.year}年{day.month}月{day.day}日", url
        assert _due_cell(page, at_review) == "—", url


def _due_cell(page: str, at: int) -> str:
    """The text of the 办理期限 cell of the row holding position `at`."""
    row = page[page.rfind("<tr", 0, at) : page.find("</tr>", at)]
    cell = re.search(r'data-label="办理期限">(.*?)</td>', row)
    assert cell, row
    return re.sub(r"<[^>]+>", "", cell.group(1)).strip()


def test_an_overdue_task_is_marked_and_comes_first(world, staff, klass, client):
    late, due = (cadre(f"干部{i}", world.a1, world.city_od) for i in range(2))
    tasks = _confirm_tasks(client, world, klass, [due, late])
    Dispatch.objects.filter(cadre=late).update(confirm_due=timezone.now() - dt.timedelta(hours=2))

    client.force_login(staff.lily)
    page = client.get("/tasks/").content.decode()
    at_due, at_late = _positions(page, tasks)
    assert at_late < at_due
    assert _due_cell(page, at_late).endswith("已逾期")
    assert "已逾期" not in _due_cell(page, at_due)
    rows = api(staff.lily).get("/api/v1/actions/tasks/").json()["results"]
    assert [(row["id"], row["overdue"]) for row in rows] == [
        (tasks[1].pk, True),
        (tasks[0].pk, False),
    ]


def test_a_decision_task_is_due_by_its_own_steps_window(world, staff, klass, client):
    """A leave request's head decision shows the head step's window (not the request's
    outer limit), and moves up the list when that window is brought forward."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    request(client, staff.lily, process, "leave")
    approval = ApprovalRequest.objects.get()
    head_task = open_task(process_of(approval, "ApprovalFlow"), "head_review")
    step = ApprovalStep.objects.get(request=approval, stage=1)
    window = timezone.now() + dt.timedelta(days=1, hours=3)
    ApprovalStep.objects.filter(pk=step.pk).update(due_at=window)
    ApprovalRequest.objects.filter(pk=approval.pk).update(due_at=window + dt.timedelta(days=5))

    rows = api(world.alice).get("/api/v1/actions/tasks/").json()["results"]
    row = next(row for row in rows if row["id"] == head_task.pk)
    assert dt.datetime.fromisoformat(row["due"]) == window.replace(microsecond=0) or (
        dt.datetime.fromisoformat(row["due"]) == window
    ), row["due"]


def test_the_home_page_reads_the_deadlines_of_the_steps_it_shows_only(world, staff, klass, client):
    """A head's home page lists decisions: its rows are read with the decision step's
    deadline alone, not a branch for every step of every flow (compiling those cost the
    page a third of its time); /tasks/, which filters and sorts by any step's deadline,
    keeps them all."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    request(client, staff.lily, process_of(Dispatch.objects.get(), "DispatchFlow"), "leave")
    head_task = open_task(process_of(ApprovalRequest.objects.get(), "ApprovalFlow"), "head_review")
    window = timezone.now() - dt.timedelta(hours=1)
    ApprovalStep.objects.filter(request__isnull=False, stage=1).update(due_at=window)

    client.force_login(world.alice)
    with CaptureQueriesContext(connection) as home:
        page = client.get("/").content.decode()
    (at,) = _positions(page, [head_task])
    assert _due_cell(page, at).endswith("已逾期")
    (read,) = _rows_read(home)
    assert "approvals_approvalstep" in read
    assert "confirm_due" not in read and "response_deadline" not in read
    with CaptureQueriesContext(connection) as listed:
        client.get("/tasks/")
    (read,) = _rows_read(listed)
    assert "confirm_due" in read and "response_deadline" in read


def _rows_read(captured) -> list[str]:
    """The statements that read tasks whole (every column: not their ids, not a count)
    with their deadlines."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if 'AS "due"' in q["sql"] and '"viewflow_task"."flow_task_type",' in q["sql"]
    ]


def test_the_overdue_list_holds_only_what_is_past_its_deadline(world, staff, klass, client):
    late, due = (cadre(f"干部{i}", world.a1, world.city_od) for i in range(2))
    tasks = _confirm_tasks(client, world, klass, [due, late])
    Dispatch.objects.filter(cadre=late).update(confirm_due=timezone.now() - dt.timedelta(hours=2))

    client.force_login(staff.lily)
    page = client.get("/tasks/?show=overdue").content.decode()
    assert task_url(tasks[1], "assign") in page and task_url(tasks[0], "assign") not in page
    assert "<b>已逾期</b>" in page
    download = client.get("/tasks/?show=overdue&format=csv")
    listed = b"".join(download.streaming_content).decode("utf-8-sig")
    assert late.name in listed and due.name not in listed
    lily = api(staff.lily)
    for query, ids in (("true", [tasks[1].pk]), ("false", [tasks[0].pk])):
        rows = lily.get(f"/api/v1/actions/tasks/?overdue={query}").json()["results"]
        assert [row["id"] for row in rows] == ids, query
    assert lily.get("/api/v1/actions/tasks/?overdue=maybe").status_code == 400


def test_a_task_due_on_a_day_is_overdue_only_once_that_day_is_over(world, staff, client):
    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    makeup = Makeup.objects.get(source=run_to_absence(client, world, staff, missed, world.cadre_a))
    schedule = open_task(process_of(makeup, "MakeupFlow"), "schedule")
    day = makeup.due_date
    for moment, overdue in (
        (dt.datetime.combine(day, dt.time(23, 30)), False),  # the day itself, even late
        (dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 30)), True),
    ):
        with time_machine.travel(timezone.make_aware(moment), tick=False):
            client.force_login(world.bob)  # signed in then: the session idles out meanwhile
            listed = client.get("/tasks/?show=overdue").content.decode()
            assert (task_url(schedule, "assign") in listed) is overdue, moment
            page = client.get("/tasks/").content.decode()
            (at,) = _positions(page, [schedule])
            assert _due_cell(page, at).endswith("已逾期") is overdue, moment
