"""Nobody approves a circular they started or drafted (回避): Bob, the city's dispatcher,
holds the org department head's role too; he starts and drafts the circular, so Oscar
approves it — not Bob. Refused by the service with nothing written, and by the pages
(403 with the reason, never a 500)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import override

from audit.models import AuditEvent
from circulars import services
from circulars.flows import CircularFlow
from circulars.models import Circular, CircularStatus
from org import services as org_services
from tests.circulars.kit import start_circular
from tests.factories import user
from tests.flowtools import act, assert_recused, open_task, process_of, recusal


def _draft_circular(client, world, start, end):
    """The city's circular for [start, end], started and drafted by Bob."""
    circular = start_circular(client, world, start, end)
    response = act(
        client,
        open_task(process_of(circular, "CircularFlow"), "draft"),
        {"title": circular.title, "body": "现予通报。"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return circular


@pytest.fixture
def drafted(client, world, staff):
    """The city's circular, started and drafted by Bob, who is also an org department
    head of the city; awaiting approval."""
    org_services.role_grant(actor=None, user=world.bob, role="org_head", unit=world.root)
    today = timezone.localdate()
    circular = _draft_circular(client, world, today - dt.timedelta(days=30), today)
    process = process_of(circular, "CircularFlow")
    circular.refresh_from_db()
    assert circular.status == CircularStatus.AWAITING_APPROVAL
    return circular, process


def _state(circular):
    circular = Circular.objects.get(pk=circular.pk)
    return circular.status, circular.return_reason, AuditEvent.objects.count()


def test_the_service_refuses_the_head_who_drafted_the_circular(world, drafted):
    circular, _ = drafted
    before = _state(circular)
    for approve in (True, False):
        with override("zh-hans"), pytest.raises(PermissionDenied) as refused:
            services.circular_decide(
                actor=world.bob, circular=circular, approve=approve, reason="再议"
            )
        assert str(refused.value) == recusal()
    assert _state(circular) == before


def test_the_head_who_started_it_is_refused_though_another_drafted_it(client, world, staff):
    org_services.role_grant(actor=None, user=world.bob, role="org_head", unit=world.root)
    dan = user("dan", "dispatcher", world.root)
    today = timezone.localdate()
    circular = start_circular(client, world, today - dt.timedelta(days=30), today)
    client.force_login(dan)
    task = open_task(process_of(circular, "CircularFlow"), "draft")
    assert act(client, task, {"title": circular.title, "body": ""}).status_code == 302
    with pytest.raises(PermissionDenied):
        services.circular_decide(actor=world.bob, circular=circular, approve=True)
    with pytest.raises(PermissionDenied):  # a dispatcher, but no head
        services.circular_decide(actor=dan, circular=circular, approve=True)
    assert _state(circular)[0] == CircularStatus.AWAITING_APPROVAL
    services.circular_decide(actor=staff.oscar, circular=circular, approve=True)
    assert _state(circular)[0] == CircularStatus.ISSUING


def test_another_head_still_approves(world, staff, drafted):
    circular, _ = drafted
    services.circular_decide(actor=staff.oscar, circular=circular, approve=True)
    assert _state(circular)[0] == CircularStatus.ISSUING
    assert AuditEvent.objects.filter(verb="circular.approve", actor=staff.oscar).exists()


def test_the_task_is_not_offered_to_the_maker_and_its_pages_say_why(client, world, staff, drafted):
    circular, process = drafted
    task = open_task(process, "approval")
    assert_recused(client, CircularFlow.approval, task, maker=world.bob, decider=staff.oscar)
    assert _state(circular)[0] == CircularStatus.AWAITING_APPROVAL
    # Oscar takes the same task and returns it.
    client.force_login(staff.oscar)
    response = act(client, task, {"decision": "return", "reason": "请补充整改要求"})
    assert response.status_code == 302
    assert _state(circular)[0] == CircularStatus.RETURNED


def test_my_tasks_marks_the_makers_steps_in_a_flat_number_of_queries(
    client, world, staff, drafted, django_assert_max_num_queries
):
    # One circular awaiting approval, then four: Bob's list marks each as recused, and
    # costs him the same number of queries.
    client.force_login(world.bob)
    with django_assert_max_num_queries(80) as one:
        assert client.get("/tasks/").content.decode().count("回避：由其他负责人办理") == 1
    queries = len(one)  # read now: the query log is a bounded deque
    today = timezone.localdate()
    for months in (2, 3, 4):
        start = today - dt.timedelta(days=30 * months)
        _draft_circular(client, world, start, start + dt.timedelta(days=20))
    client.force_login(world.bob)
    with django_assert_max_num_queries(queries):
        assert client.get("/tasks/").content.decode().count("回避：由其他负责人办理") == 4
    # The API's 我的待办 says so too.
    rows = client.get("/api/v1/actions/tasks/").json()["results"]
    assert [r["recused"] for r in rows if r["node"] == "approval"] == [True] * 4
    client.force_login(staff.oscar)
    rows = client.get("/api/v1/actions/tasks/").json()["results"]
    assert [r["recused"] for r in rows if r["node"] == "approval"] == [False] * 4
