"""Requests racing one another, as a busy morning brings them: each in a thread of its own
with its own database connection, released together by a barrier. Only PostgreSQL runs
them (SQLite serialises writers and has no row locks); the lock-error answer itself is
tested on both."""

import datetime as dt
import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from viewflow.workflow.models import Process

from approvals.models import ApprovalRequest, ApprovalStep, Decision
from approvals.policy import HEAD_STAGE
from audit.models import AuditEvent
from core.locking import LockBusy
from core.middleware import LockBusyMiddleware
from dispatch.models import Dispatch, DispatchStatus, RollCall
from notifications.models import DocumentCounter, Notification
from notifications.services import allocate_number
from tests.factories import training_class
from tests.flowtools import (
    act,
    deadline,
    issue_roll_call,
    open_task,
    process_of,
    request,
    task_url,
)
from tests.racing import logged_in, postgresql_only, responses, together
from workflow.locks import ProcessLock

BUSY = "该事项正在由他人办理，请稍后重试"


class HeldLock:
    """Another connection holds the row lock of `process` until the block ends."""

    def __init__(self, process):
        self.process_pk = process.pk
        self.taken = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic():
                Process.objects.select_for_update().filter(pk=self.process_pk).exists()
                self.taken.set()
                self.release.wait(timeout=60)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(timeout=30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)


# -- approvals -----------------------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_decisions_of_one_approval_task_record_one(world, staff, klass):
    setup = Client()
    issue_roll_call(setup, world, klass, [world.cadre_a])
    dispatch_process = process_of(Dispatch.objects.get(), "DispatchFlow")
    assert request(setup, staff.lily, dispatch_process, "leave").status_code == 302
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    task = open_task(approval_process, "head_review")
    setup.force_login(world.alice)
    assert setup.post(task_url(task, "assign")).status_code == 302
    url = task_url(task, "execute")
    clients = [logged_in(world.alice) for _ in range(30)]

    outcomes = together(
        *(
            lambda c=c: c.post(url, {"decision": "approved", "comment": ""}, HTTP_REFERER=url)
            for c in clients
        )
    )

    answered = responses(outcomes)
    assert all(r.status_code == 302 for r in answered)
    said = [[str(m) for m in get_messages(r.wsgi_request)] for r in answered]
    assert said.count(["您已办理该事项。"]) == 29, said  # the others waited, then saw it done
    step = ApprovalStep.objects.get(stage=HEAD_STAGE)
    assert step.decision == Decision.APPROVED and step.decided_by == world.alice
    assert AuditEvent.objects.filter(verb="approval.step.approved").count() == 1
    task.refresh_from_db()
    assert task.status == "DONE"


# -- double booking ------------------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_roll_calls_naming_one_cadre_for_overlapping_classes_book_them_once(world):
    for round_ in range(5):
        start = dt.date.today() + dt.timedelta(days=30 + 10 * round_)
        first = training_class(world.city_od, world.school, start, name=f"甲班{round_}")
        second = training_class(
            world.city_od, world.school, start + dt.timedelta(days=2), name=f"乙班{round_}"
        )
        clients = [logged_in(world.bob), logged_in(world.bob)]

        outcomes = together(
            *(
                lambda c=c, k=k: c.post(
                    "/workflow/rollcall/start/",
                    {
                        "training_class": k.pk,
                        "mode": "named",
                        "response_deadline": deadline(),
                        "cadres": [world.cadre_a.pk],
                    },
                )
                for c, k in zip(clients, (first, second), strict=True)
            )
        )

        codes = sorted(r.status_code for r in responses(outcomes))
        assert codes == [200, 302], (round_, codes)
        refused = next(r for r in responses(outcomes) if r.status_code == 200)
        assert "与本班次时间冲突或重复" in refused.content.decode()
        booked = Dispatch.objects.filter(cadre=world.cadre_a, training_class__in=[first, second])
        assert booked.count() == 1, round_
        assert RollCall.objects.filter(training_class__in=[first, second]).count() == 1


# -- document numbers ----------------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_five_hundred_document_numbers_from_eight_connections_are_unique_and_gap_free():
    def allocate(count):
        numbers = []
        for _ in range(count):
            with transaction.atomic():
                numbers.append(allocate_number("X组通", 2026))
        return numbers

    shares = [63] * 4 + [62] * 4
    outcomes = together(*(lambda n=n: allocate(n) for n in shares))

    numbers = [n for numbers in responses(outcomes) for n in numbers]
    assert len(numbers) == sum(shares) == 500
    assert sorted(numbers) == list(range(1, 501))
    assert DocumentCounter.objects.get(issuer_code="X组通", year=2026).last_number == 500


# -- acknowledgement (签收) ----------------------------------------------------------------


def notified(client, world, staff, klass):
    """Cadre A named and confirmed: the notice is issued; the trainee's inbox entry asking
    for 签收, the process, and the page of the trainee's acknowledgement task."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(training_class=klass), "DispatchFlow")
    client.force_login(staff.lily)
    assert act(client, open_task(process, "confirm"), {"action": "confirm"}).status_code == 302
    dispatch = Dispatch.objects.get(training_class=klass)
    notice = Notification.objects.get(
        recipient=world.dave,
        requires_ack=True,
        document__document_number=dispatch.notice_reference,
    )
    task = open_task(process, "acknowledge")
    assert task.owner == world.dave  # the trainee's own task, already theirs
    return notice, process, task_url(task, "execute")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_acknowledging_from_the_inbox_and_the_task_page_at_once_records_one(world, staff):
    for round_ in range(2):
        klass = training_class(
            world.city_od,
            world.school,
            dt.date.today() + dt.timedelta(days=30 + 10 * round_),
            name=f"签收班{round_}",
        )
        notice, process, page = notified(Client(), world, staff, klass)
        inbox, task_page = logged_in(world.dave), logged_in(world.dave)

        outcomes = together(
            lambda url=f"/inbox/{notice.pk}/acknowledge/", c=inbox: c.post(
                url, HTTP_REFERER="/inbox/"
            ),
            lambda url=page, c=task_page: c.post(url, {"confirm": "on"}, HTTP_REFERER=url),
        )

        assert [r.status_code for r in responses(outcomes)] == [302, 302], round_
        dispatch = Dispatch.objects.get(training_class=klass)
        assert dispatch.status == DispatchStatus.ACKNOWLEDGED
        assert (
            AuditEvent.objects.filter(
                verb="dispatch.acknowledge", target_id=str(dispatch.pk)
            ).count()
            == 1
        )
        notice.refresh_from_db()
        assert notice.acknowledged_at is not None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_inbox_acknowledgement_while_the_task_is_being_handled_says_try_again(world, staff, klass):
    notice, process, _page = notified(Client(), world, staff, klass)
    inbox = logged_in(world.dave)

    with HeldLock(process):
        response = inbox.post(f"/inbox/{notice.pk}/acknowledge/", HTTP_REFERER="/inbox/")
        without_referer = inbox.post(f"/inbox/{notice.pk}/acknowledge/")

    assert response.status_code == 302 and response.url == "/inbox/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [BUSY]
    assert without_referer.status_code == 409
    assert without_referer.content.decode() == BUSY
    notice.refresh_from_db()
    assert notice.acknowledged_at is None  # the whole 签收 was rolled back
    assert Dispatch.objects.get().status == DispatchStatus.NOTIFIED

    # Once the other is done, the same 签收 goes through.
    assert inbox.post(f"/inbox/{notice.pk}/acknowledge/").status_code == 302
    assert Dispatch.objects.get().status == DispatchStatus.ACKNOWLEDGED


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_task_page_that_waits_too_long_for_the_lock_says_try_again(
    world, staff, klass, monkeypatch
):
    _notice, process, page = notified(Client(), world, staff, klass)
    monkeypatch.setattr(ProcessLock, "WAIT", "50ms")
    trainee = logged_in(world.dave)

    with HeldLock(process):
        response = trainee.post(page, {"confirm": "on"}, HTTP_REFERER=page)

    assert response.status_code == 302 and response.url == page
    assert [str(m) for m in get_messages(response.wsgi_request)] == [BUSY]
    assert Dispatch.objects.get().status == DispatchStatus.NOTIFIED


# -- the one answer to a lock error (both databases) --------------------------------------


def refused_with(exception, **headers):
    request = RequestFactory().post("/somewhere/", **headers)
    request._messages = _Messages()
    response = LockBusyMiddleware(lambda r: HttpResponse())
    return response.process_exception(request, exception), request


class _Messages(list):
    def add(self, level, message, extra_tags=""):
        self.append(str(message))


def test_a_lock_error_answers_409_with_the_message():
    response, _request = refused_with(LockBusy())
    assert response.status_code == 409
    assert response.content.decode() == BUSY


def test_a_form_sent_from_a_page_of_the_site_returns_to_it_with_the_message():
    response, request = refused_with(LockBusy(), HTTP_REFERER="http://testserver/inbox/")
    assert response.status_code == 302 and response.url == "http://testserver/inbox/"
    assert request._messages == [BUSY]


def test_a_referer_elsewhere_is_not_followed():
    response, _request = refused_with(LockBusy(), HTTP_REFERER="https://evil.example/")
    assert response.status_code == 409


def test_other_errors_are_left_alone():
    response, _request = refused_with(ValueError("no"))
    assert response is None
