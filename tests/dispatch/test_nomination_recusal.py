"""Nobody approves a nomination they made or that names them (回避): a department head who
also serves as the unit's liaison and nominated does not approve it as head, nor does a
head whose own cadre record is among the nominees, nor a deputy acting only for such a
head; another head reaching the unit does. A dispatcher named among the nominees does not
accept them; another dispatcher does. Refused by the services with nothing written, and by
the task pages (403 saying why)."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import override

from audit.models import AuditEvent
from dispatch import services
from dispatch.flows import NominationFlow
from dispatch.models import QuotaAllocation, QuotaStatus
from org import services as org_services
from org.models import Cadre
from tests.factories import cadre, user
from tests.flowtools import (
    act,
    allot,
    assert_recused,
    open_task,
    recusal,
)


def _nominate(client, liaison, process, cadres):
    client.force_login(liaison)
    response = act(client, open_task(process, "nominate"), {"cadres": [c.pk for c in cadres]})
    assert response.status_code == 302, response.content.decode()[:2000]


def _state(allocation):
    allocation.refresh_from_db()
    return allocation.status, AuditEvent.objects.count()


@pytest.fixture
def amos(world):
    """A second head of unit A."""
    return user("amos", "department_head", world.a)


@pytest.fixture
def nominated_by_head(client, world, klass, amos):
    """Alice heads A and serves as its liaison too; she nominates 王堃."""
    org_services.role_grant(actor=None, user=world.alice, role="unit_liaison", unit=world.a)
    allocation, process = allot(client, world, klass)
    _nominate(client, world.alice, process, [world.cadre_a])
    allocation.refresh_from_db()
    assert allocation.nominated_by == world.alice
    return allocation, process


def test_the_service_refuses_the_head_who_nominated(world, nominated_by_head, amos):
    allocation, _process = nominated_by_head
    before = _state(allocation)
    for approve in (True, False):
        with override("zh-hans"), pytest.raises(PermissionDenied) as refused:
            services.nomination_head_decide(
                actor=world.alice, allocation=allocation, approve=approve, reason="再议"
            )
        assert str(refused.value) == recusal()
    assert _state(allocation) == before
    services.nomination_head_decide(actor=amos, allocation=allocation, approve=True)
    allocation.refresh_from_db()
    assert allocation.status == QuotaStatus.AWAITING_DISPATCHER


def test_the_head_step_is_not_offered_to_the_head_who_nominated(
    client, world, nominated_by_head, amos
):
    allocation, process = nominated_by_head
    task = open_task(process, "head_approval")
    assert_recused(client, NominationFlow.head_approval, task, maker=world.alice, decider=amos)
    client.force_login(amos)
    assert act(client, task, {"decision": "approve"}).status_code == 302
    assert _state(allocation)[0] == QuotaStatus.AWAITING_DISPATCHER


def test_a_head_named_among_the_nominees_is_recused(client, world, staff, klass, amos):
    own = cadre("赵敏", world.a, world.city_od)
    Cadre.objects.filter(pk=own.pk).update(user=world.alice)
    allocation, process = allot(client, world, klass)
    _nominate(client, staff.lily, process, [own, world.cadre_a])
    before = _state(allocation)
    with pytest.raises(PermissionDenied):
        services.nomination_head_decide(actor=world.alice, allocation=allocation, approve=True)
    assert _state(allocation) == before
    task = open_task(process, "head_approval")
    assert_recused(client, NominationFlow.head_approval, task, maker=world.alice, decider=amos)


def test_a_deputy_acting_only_for_the_nominating_head_is_refused(world, nominated_by_head, amos):
    allocation, _process = nominated_by_head
    deputy = user("dora", "deputy_head", world.a)
    today = timezone.localdate()
    org_services.delegation_create(
        actor=world.alice, delegate=deputy, starts_on=today, ends_on=today
    )
    with pytest.raises(PermissionDenied):
        services.nomination_head_decide(actor=deputy, allocation=allocation, approve=True)
    # Acting for Amos as well, the deputy approves with Amos's authority.
    org_services.delegation_create(actor=amos, delegate=deputy, starts_on=today, ends_on=today)
    services.nomination_head_decide(actor=deputy, allocation=allocation, approve=True)
    assert _state(allocation)[0] == QuotaStatus.AWAITING_DISPATCHER


def test_a_liaison_nomination_is_approved_by_the_head_as_before(client, world, staff, klass):
    allocation, process = allot(client, world, klass)
    _nominate(client, staff.lily, process, [world.cadre_a])
    assert NominationFlow.head_approval.can_assign(world.alice, open_task(process, "head_approval"))
    services.nomination_head_decide(actor=world.alice, allocation=allocation, approve=True)
    assert _state(allocation)[0] == QuotaStatus.AWAITING_DISPATCHER


def test_a_dispatcher_among_the_nominees_does_not_accept_them(client, world, staff, klass):
    own = cadre("钱程", world.a, world.city_od)
    Cadre.objects.filter(pk=own.pk).update(user=world.bob)
    other = user("bea", "dispatcher", world.root)
    allocation, process = allot(client, world, klass)
    _nominate(client, staff.lily, process, [own])
    client.force_login(world.alice)
    assert (
        act(client, open_task(process, "head_approval"), {"decision": "approve"}).status_code == 302
    )
    before = _state(allocation)
    for accept in (True, False):
        with override("zh-hans"), pytest.raises(PermissionDenied) as refused:
            services.nomination_review(
                actor=world.bob, allocation=allocation, accept=accept, reason="名额不符"
            )
        assert "您是推荐人选之一" in str(refused.value)
    assert _state(allocation) == before
    task = open_task(process, "dispatcher_review")
    assert not NominationFlow.dispatcher_review.can_assign(world.bob, task)
    assert NominationFlow.dispatcher_review.can_assign(other, task)
    client.force_login(world.bob)
    claim = NominationFlow.dispatcher_review.reverse("assign", args=[process.pk, task.pk])
    assert client.post(claim).status_code == 403
    client.force_login(other)
    assert act(client, task, {"decision": "accept"}).status_code == 302
    assert _state(allocation)[0] == QuotaStatus.ACCEPTED


def test_the_migration_names_who_nominated_from_the_audit_trail(client, world, staff, klass):
    allocation, process = allot(client, world, klass)
    _nominate(client, staff.lily, process, [world.cadre_a])
    QuotaAllocation.objects.filter(pk=allocation.pk).update(nominated_by=None)
    migration = importlib.import_module("dispatch.migrations.0008_quota_nominated_by")
    migration.backfill(django_apps, None)
    allocation.refresh_from_db()
    assert allocation.nominated_by == staff.lily
