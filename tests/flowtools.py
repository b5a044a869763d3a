"""Driving Viewflow tasks through HTTP, as a person in the browser would, and the steps
that several test modules take to bring a process to the point they test."""

import datetime as dt

import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from dispatch.flows import DispatchFlow
from dispatch.flows.dispatch import class_processes
from dispatch.models import Dispatch, DispatchStatus, QuotaAllocation, TrainingClass
from notifications.models import Notification
from tests.exports.sheets import csv_by_header
from tests.factories import user
from workflow.runtime import relist_open_tasks

FLOW_APPS = {
    "DispatchFlow": "dispatch",
    "RollCallFlow": "rollcall",
    "NominationFlow": "nomination",
    "ApprovalFlow": "approval",
    "FilingFlow": "filing",
    "MakeupFlow": "makeup",
    "RecognitionFlow": "recognition",
    "CircularFlow": "circular",
}


def process_of(obj, flow_name=None):
    qs = Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(obj), artifact_object_id=obj.pk
    )
    if flow_name:
        qs = qs.filter(flow_class__endswith=flow_name)
    return qs.get()


def open_task(process, node):
    return Task.objects.filter(
        process=process,
        flow_task__endswith=f".{node}",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).get()


def task_url(task, action=""):
    app = FLOW_APPS[
        type(task.flow_task.flow_class).__name__ if False else task.flow_task.flow_class.__name__
    ]
    node = task.flow_task.name
    suffix = f"{action}/" if action else ""
    return f"/workflow/{app}/{task.process_id}/{node}/{task.pk}/{suffix}"


def act(client, task, data):
    """Claim the task if needed, then execute it with `data`; return the POST response."""
    task.refresh_from_db()
    if task.status == STATUS.NEW:
        response = client.post(task_url(task, "assign"))
        assert response.status_code == 302, (response.status_code, task_url(task, "assign"))
    return client.post(task_url(task, "execute"), data)


def deadline(days=10):
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


class Staff:
    """The remaining roles around the test world: liaisons and org department heads."""

    def __init__(self, world):
        self.lily = user("lily", "unit_liaison", world.a)  # liaison of A
        self.luke = user("luke", "unit_liaison", world.b)  # liaison of B
        self.oscar = user("oscar", "org_head", world.root)  # city org department head
        self.olga = user("olga", "org_head", world.county)  # county org department head


def fire_at(moment, command="workflow_timers"):
    """Run the timer dispatcher (or another periodic `command`) with the clock at `moment`."""
    with time_machine.travel(moment, tick=False):
        call_command(command)


def notified(event, **filters):
    """The usernames notified of `event`."""
    return set(
        Notification.objects.filter(event=event, **filters).values_list(
            "recipient__username", flat=True
        )
    )


# -- dispatch ------------------------------------------------------------------------------


def post_roll_call(client, klass, cadres, response_deadline=None):
    """Whoever is logged in names `cadres` for `klass` on the start page (a response due in
    10 days unless `response_deadline` says otherwise); the response."""
    return client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": response_deadline or deadline(),
            "cadres": [c.pk for c in cadres],
        },
    )


def issue_roll_call(client, world, klass, cadres):
    """The city dispatcher names `cadres` for `klass` (a response due in 10 days)."""
    client.force_login(world.bob)
    response = post_roll_call(client, klass, cadres, deadline(10))
    assert response.status_code == 302, response.content.decode()[:2000]


def named(client, world, klass, cadre):
    """The city dispatcher names `cadre` for `klass`; the dispatch and its process."""
    client.force_login(world.bob)
    response = post_roll_call(client, klass, [cadre])
    assert response.status_code == 302
    dispatch = Dispatch.objects.get(cadre=cadre)
    return dispatch, process_of(dispatch, "DispatchFlow")


def start_class(klass, *, refresh=False, running=False):
    """Move the class so that it ends today, as if the calendar had reached its last day:
    every attendance result may be recorded. `running`: it starts today and ends in four
    days, so only absences and withdrawals may (dispatch.policy.attendance_refusal)."""
    today = timezone.localdate()
    start = today if running else today - dt.timedelta(days=4)
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=start, end_date=start + dt.timedelta(days=4), report_date=start
    )
    # The calendar reached the class: its attendance tasks are listed from today.
    relist_open_tasks(class_processes(klass), DispatchFlow.record_attendance, min(start, today))
    if refresh:
        klass.refresh_from_db()


def confirmed(client, liaison, dispatch):
    """`liaison` confirms `dispatch` on its task page: its notice is issued (notified)."""
    client.force_login(liaison)
    act(client, open_task(process_of(dispatch, "DispatchFlow"), "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED, dispatch.status
    return dispatch


def acknowledged(client, world, staff, klass):
    """Cadre A named, confirmed (lily) and acknowledged (dave) through their task pages,
    the class not begun: the process, its attendance task waiting for the school."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    assert act(client, open_task(process, "confirm"), {"action": "confirm"}).status_code == 302
    client.force_login(world.dave)
    assert act(client, open_task(process, "acknowledge"), {"confirm": "on"}).status_code == 302
    return process


def at_attendance(client, world, staff, klass):
    """A dispatch of cadre A waiting for the school's registrar (rita), its class begun."""
    process = acknowledged(client, world, staff, klass)
    start_class(klass)
    return process


def run_to_absence(client, world, staff, klass, person):
    """Name `person` for `klass`, confirm and acknowledge, start the class today and record
    them absent (a makeup is owed); the dispatch."""
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(),
            "cadres": [person.pk],
        },
    )
    dispatch = Dispatch.objects.get(cadre=person, training_class=klass)
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    ack = open_task(process, "acknowledge")
    client.force_login(ack.owner or staff.lily)
    act(client, ack, {"confirm": "on"})
    today = timezone.localdate()
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=today, end_date=today, report_date=today
    )
    client.force_login(world.rita)
    act(client, open_task(process, "record_attendance"), {"result": "absent"})
    dispatch.refresh_from_db()
    return dispatch


# -- approvals -----------------------------------------------------------------------------


def request(client, liaison, process, kind, reason="因重大项目攻坚无法脱产"):
    """The liaison answers the dispatch's confirmation with a request of `kind`."""
    client.force_login(liaison)
    return act(
        client, open_task(process, "confirm"), {"action": "request", "kind": kind, "reason": reason}
    )


def decide(client, person, approval_process, node, decision, comment=""):
    client.force_login(person)
    return act(
        client, open_task(approval_process, node), {"decision": decision, "comment": comment}
    )


# -- filings and hour recognition ---------------------------------------------------------


def filing_data(world, **overrides):
    """The filing start form of unit A: a three-day course ten days ago, 24 hours."""
    start = dt.date.today() - dt.timedelta(days=10)
    data = {
        "unit": world.a.pk,
        "title": "发改系统业务能力提升培训",
        "organizer_name": "某市发展和改革委员会",
        "start_date": start,
        "end_date": start + dt.timedelta(days=2),
        "hours": "24",
        "participants": [world.cadre_a.pk, world.cadre_a1.pk],
    }
    data.update(overrides)
    return data


def recognition_post(client, person, **changes):
    """The liaison (logged in) asks for 24 concentrated hours of `person` to be recognized."""
    data = {
        "cadre": person.pk,
        "date": (dt.date.today() - dt.timedelta(days=30)).isoformat(),
        "hours": "24",
        "kind": "concentrated",
        "provider": "中国干部网络学院",
        "reason": "参加省委党校专题班",
    }
    data.update(changes)
    return client.post("/workflow/recognition/start/", data)


# -- circulars ----------------------------------------------------------------------------


def circular_start(client, world, start, end):
    """The city dispatcher starts a circular for the period from `start` to `end`."""
    client.force_login(world.bob)
    return client.post(
        "/workflow/circular/start/",
        {
            "org_department": world.city_od.pk,
            "period_kind": "custom",
            "period_start": start,
            "period_end": end,
        },
    )


def approved(client, world, staff, klass, cadre, kind):
    """`cadre` named for `klass`, its liaison asks `kind` (leave, deferral …) and both
    departments approve: the dispatch, now deferred (an approved leave is stored so)."""
    from approvals.models import ApprovalRequest

    dispatch, process = named(client, world, klass, cadre)
    request(client, staff.lily, process, kind)
    approval = process_of(ApprovalRequest.objects.get(subject_id=dispatch.pk), "ApprovalFlow")
    decide(client, world.alice, approval, "head_review", "approved")
    decide(client, staff.oscar, approval, "managing_review", "approved")
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.DEFERRED
    return dispatch


def recusal() -> str:
    """The recusal message (回避) as the pages (zh-hans) print it."""
    from approvals.policy import own_recusal_message

    with translation.override("zh-hans"):
        return own_recusal_message()


def _row_of(html: str, task) -> str:
    """The table row of a list page that links to `task`."""
    link = f"/{task.process_id}/{task.flow_task.name}/{task.pk}/"
    rows = [row for row in html.split("<tr") if link in row.split("</tr>")[0]]
    assert rows, f"task {task.pk} is not listed"
    return rows[0].split("</tr>")[0]


def assert_recused(client, node, task, *, maker, decider):
    """`node`'s open `task` (a workflow.nodes.RecusingView step) is not offered to its
    `maker` but is to `decider`; the maker's 我的待办 lists it marked, linked to its detail
    page only; the maker's claim and execute pages answer 403 saying why, the detail page
    still opens, and the task is left as it was."""
    assert not node.can_assign(maker, task)
    assert node.can_assign(decider, task)

    def url(action):
        return node.reverse(action, args=[task.process_id, task.pk])

    client.force_login(maker)
    # In the maker's 我的待办 the step is marked and links to its detail page only.
    listed = client.get("/tasks/").content.decode()
    assert url("assign") not in listed and url("execute") not in listed
    assert url("detail") in listed
    with translation.override("zh-hans"):
        marked = gettext("Recused: another authority decides it")
    assert marked in listed
    # In the flow's queue (Viewflow's list) the maker's row says so too; the decider's not.
    queue = node.flow_class.instance.reverse("queue")
    row = _row_of(client.get(queue).content.decode(), task)
    assert f"{task.title}（{marked}）" in row, row
    # … and its download (编号 is the process's number).
    [downloaded] = [
        r
        for r in csv_by_header(client.get(queue + "?format=csv"))
        if r["编号"] == str(task.process_id)
    ]
    assert marked in downloaded["事项"], downloaded
    client.force_login(decider)
    assert marked not in _row_of(client.get(queue).content.decode(), task)
    client.force_login(maker)
    for response in (client.post(url("assign")), client.get(url("assign"))):
        assert response.status_code == 403
        assert recusal() in response.content.decode()
    assert client.post(url("execute"), {"decision": "approve"}).status_code == 403
    assert client.get(url("detail")).status_code == 200
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)


def allot(client, world, klass, seats=2):
    """Bob allots `seats` of `klass` to unit A: its allocation and NominationFlow process."""
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
    assert response.status_code == 302, response.content.decode()[-2000:]
    allocation = QuotaAllocation.objects.get(unit=world.a)
    return allocation, process_of(allocation, "NominationFlow")


def nomination_head_task(client, world, staff, klass):
    """Unit A allotted two seats and its liaison nominated: the head approval task."""
    _allocation, process = allot(client, world, klass)
    client.force_login(staff.lily)
    response = act(client, open_task(process, "nominate"), {"cadres": [world.cadre_a.pk]})
    assert response.status_code == 302
    return open_task(process, "head_approval")
