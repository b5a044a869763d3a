"""Who may act on an approval step: outsiders are refused and see nothing, a deputy only
within the delegation window, only the owner unclaims, and a task someone else already
handled says so instead of refusing."""

import datetime as dt

from approvals.models import ApprovalRequest, RequestStatus
from org import services as org_services
from tests.flowtools import act, decide, named, open_task, process_of, request


def test_a_second_liaison_finds_the_confirmation_already_handled(world, staff, klass, client):
    from audit.models import AuditEvent
    from tests.factories import user
    from tests.flowtools import task_url

    lily2 = user("lily2", "unit_liaison", world.a)  # a second liaison of the same unit
    dispatch, process = named(client, world, klass, world.cadre_a)
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    assert act(client, task, {"action": "confirm"}).status_code == 302
    dispatch.refresh_from_db()
    status, events = dispatch.status, AuditEvent.objects.count()

    client.force_login(lily2)
    for action, data in (
        ("execute", {"action": "request", "kind": "leave", "reason": "x"}),
        ("assign", {}),
        ("execute", None),
    ):
        if data is None:
            response = client.get(task_url(task, action))
        else:
            response = client.post(task_url(task, action), data)
        assert response.status_code == 302, action
        assert response["Location"] == task_url(task, "detail")
        page = client.get(response["Location"]).content.decode()
        assert "该事项已由他人办理" in page
        assert "无权" not in page and "You" not in page

    dispatch.refresh_from_db()
    assert dispatch.status == status
    assert AuditEvent.objects.count() == events
    assert not ApprovalRequest.objects.exists()


def test_an_approver_finds_the_cancelled_sibling_already_handled(world, staff, klass, client):
    from tests.flowtools import task_url

    dispatch, process = named(client, world, klass, world.cadre_b)
    request(client, staff.luke, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.charlie, approval_process, "head_review", "approved")
    sibling = open_task(approval_process, "co_managing_review")
    client.force_login(staff.oscar)
    assert client.post(task_url(sibling, "assign")).status_code == 302  # oscar claims it
    decide(client, staff.olga, approval_process, "managing_review", "rejected", "不同意")

    client.force_login(staff.oscar)
    response = client.post(task_url(sibling, "execute"), {"decision": "approved"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "该事项已结束（已由他人办理或已无需办理）" in page
    assert ApprovalRequest.objects.get().status == RequestStatus.REJECTED


def test_a_finished_task_sends_someone_who_cannot_see_the_process_home(world, staff, klass, client):
    """The trainee acknowledges; opening the task again leads home, not to a 403."""
    from tests.flowtools import task_url

    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    task = open_task(process, "acknowledge")
    client.force_login(world.dave)
    assert act(client, task, {"confirm": "on"}).status_code == 302
    response = client.post(task_url(task, "execute"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "您已办理该事项" in client.get("/").content.decode()


def test_an_outsider_at_a_finished_task_is_still_refused(world, staff, klass, client):
    from tests.flowtools import task_url

    dispatch, process = named(client, world, klass, world.cadre_a)
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    act(client, task, {"action": "confirm"})
    for outsider in (staff.luke, world.charlie, world.nobody):
        client.force_login(outsider)
        for action in ("assign", "execute"):
            assert client.post(task_url(task, action)).status_code == 404, outsider


def approval_for(client, world, staff, klass, cadre):
    """A leave request about `cadre`, waiting for its department head."""
    liaison = staff.lily if cadre.unit_id in (world.a.pk, world.a1.pk) else staff.luke
    dispatch, process = named(client, world, klass, cadre)
    request(client, liaison, process, "leave")
    return process_of(ApprovalRequest.objects.get(), "ApprovalFlow")


def assert_refused_at(task, outsiders, *, detail=True):
    """Each outsider: the task is not in their queue or inbox, and claiming and executing
    it is refused; when `detail` (outsiders who may not see the process at all), it is not
    in their task list either and its page is refused."""
    from django.test import Client
    from viewflow.workflow.status import STATUS

    from tests.flowtools import task_url

    # Outsiders who see the process but may not decide are refused the step: 403. For
    # those who may not see it at all the process is out of reach: 404.
    refused = 404 if detail else 403
    for outsider in outsiders:
        client = Client()  # a browser of their own
        client.force_login(outsider)
        for listing in ("queue", "inbox", "tasks") if detail else ("queue", "inbox"):
            page = client.get(f"/workflow/approval/{listing}/")
            assert page.status_code == 200, (outsider, listing)  # filtered, not refused
            assert task_url(task) not in page.content.decode(), (outsider, listing)
        assert client.post(task_url(task, "assign")).status_code == refused, outsider
        response = client.post(task_url(task, "execute"), {"decision": "approved"})
        assert response.status_code == refused, outsider
        assert client.get(task_url(task, "execute")).status_code == refused, outsider
        if detail:
            assert client.get(task_url(task, "detail")).status_code == 404, outsider
        task.refresh_from_db()
        assert task.status in (STATUS.NEW, STATUS.ASSIGNED) and task.owner != outsider


def test_outsiders_are_refused_at_the_head_and_the_managing_departments_steps(
    world, staff, klass, client
):
    from tests.flowtools import task_url

    approval_process = approval_for(client, world, staff, klass, world.cadre_a)
    head_task = open_task(approval_process, "head_review")
    # Alice's queue holds it (so its absence elsewhere means something).
    client.force_login(world.alice)
    assert task_url(head_task) in client.get("/workflow/approval/queue/").content.decode()

    outsiders = [world.charlie, world.carol, staff.luke, staff.olga, world.dave, world.nobody]
    assert_refused_at(head_task, outsiders)
    # Alice claimed it: outsiders still cannot take or execute it.
    client.force_login(world.alice)
    client.post(task_url(head_task, "assign"))
    assert_refused_at(head_task, outsiders)

    decide(client, world.alice, approval_process, "head_review", "approved")
    managing = open_task(approval_process, "managing_review")
    client.force_login(staff.oscar)
    assert task_url(managing) in client.get("/workflow/approval/queue/").content.decode()
    # Alice (a department head of the very unit) and the county people are not the
    # city's organization department.
    assert_refused_at(managing, [world.charlie, world.carol, staff.olga, world.nobody])
    assert_refused_at(managing, [world.alice, staff.lily, world.bob], detail=False)


def test_outsiders_are_refused_at_the_co_managing_departments_step(world, staff, klass, client):
    from tests.flowtools import task_url

    approval_process = approval_for(client, world, staff, klass, world.cadre_b)
    decide(client, world.charlie, approval_process, "head_review", "approved")
    co_managing = open_task(approval_process, "co_managing_review")  # the city's step
    client.force_login(staff.oscar)
    assert task_url(co_managing) in client.get("/workflow/approval/queue/").content.decode()
    # Strangers to unit B may not even see it; the county's people see the process but
    # may not decide for the city.
    assert_refused_at(co_managing, [world.alice, staff.lily, world.nobody])
    assert_refused_at(co_managing, [staff.olga, world.charlie, world.carol], detail=False)


def test_outsiders_do_not_see_the_approval_process(world, staff, klass, client):
    approval_process = approval_for(client, world, staff, klass, world.cadre_a)
    base = f"/workflow/approval/{approval_process.pk}/"
    client.force_login(world.alice)
    assert client.get(base).status_code == 200
    assert base in client.get("/workflow/approval/flows/").content.decode()

    for outsider in (world.charlie, world.carol, staff.luke, world.dave, world.nobody):
        client.force_login(outsider)
        for url in (base, f"{base}chart/", f"{base}attachment/"):
            assert client.get(url).status_code == 404, (outsider, url)
        listing = client.get("/workflow/approval/flows/")
        assert listing.status_code == 200
        assert base not in listing.content.decode(), outsider
        dashboard = client.get("/workflow/approval/")
        assert base not in dashboard.content.decode(), outsider


def test_a_deputy_sees_the_heads_task_only_within_the_delegation_window(
    world, staff, klass, client
):
    import time_machine

    from tests.factories import user
    from tests.flowtools import task_url

    deputy = user("deputy", "deputy_head", world.a)
    today = dt.date.today()
    org_services.delegation_create(
        actor=world.alice,
        delegate=deputy,
        starts_on=today + dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=2),
    )
    approval_process = approval_for(client, world, staff, klass, world.cadre_a)
    task = open_task(approval_process, "head_review")
    client.force_login(deputy)

    def in_queue():
        return task_url(task) in client.get("/workflow/approval/queue/").content.decode()

    assert not in_queue()  # the window has not begun
    assert client.post(task_url(task, "assign")).status_code == 403
    # Logged in again on each day: a session idle for 8 hours ends (README: Security).
    with time_machine.travel(today + dt.timedelta(days=1, hours=10)):
        client.force_login(deputy)
        assert in_queue()
    with time_machine.travel(today + dt.timedelta(days=3, hours=10)):
        client.force_login(deputy)
        assert not in_queue()  # over
        assert client.post(task_url(task, "assign")).status_code == 403
    with time_machine.travel(today + dt.timedelta(days=2, hours=10)):
        client.force_login(deputy)
        assert in_queue()
        assert client.post(task_url(task, "assign")).status_code == 302
        assert client.post(task_url(task, "execute"), {"decision": "approved"}).status_code == 302
    step = ApprovalRequest.objects.get().steps.get(stage=1)
    assert step.decided_by == deputy and step.on_behalf_of == world.alice


def test_the_owner_unclaims_a_task_and_others_cannot(world, staff, klass, client):
    from viewflow.workflow.status import STATUS

    from tests.factories import user
    from tests.flowtools import task_url

    approval_process = approval_for(client, world, staff, klass, world.cadre_a)
    task = open_task(approval_process, "head_review")
    client.force_login(world.alice)
    assert client.post(task_url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert task.owner == world.alice and task.status == STATUS.ASSIGNED

    # Neither a stranger nor a colleague who could have claimed it may unclaim it.
    colleague = user("alex", "department_head", world.a)
    # The colleague sees the process (403); for the stranger it is out of reach (404).
    for other, refused in ((world.charlie, 404), (colleague, 403)):
        client.force_login(other)
        assert client.post(task_url(task, "unassign")).status_code == refused, other
    task.refresh_from_db()
    assert task.owner == world.alice

    client.force_login(world.alice)
    assert client.get(task_url(task, "unassign")).status_code == 200
    assert client.post(task_url(task, "unassign")).status_code == 302
    task.refresh_from_db()
    assert task.owner is None and task.status == STATUS.NEW
    # Back in the queue for the unit's heads, and the colleague may take it.
    client.force_login(colleague)
    assert task_url(task) in client.get("/workflow/approval/queue/").content.decode()
    assert client.post(task_url(task, "assign")).status_code == 302
