"""Nobody approves a survey answer they submitted (回避): Alice heads unit A and is its
liaison too; she answers, so another head of A (Amos) approves — not Alice, nor a deputy
acting only for her. Refused by the service with nothing written, and by the pages
(403 with the reason, never a 500)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import override
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from org import services as org_services
from surveys import services
from surveys.flows import SurveyAnswerFlow
from surveys.models import AnswerStatus
from tests.factories import user
from tests.flowtools import assert_recused, recusal
from tests.surveys.kit import (
    TOPICS,
    answer,
    answer_data,
    answer_process,
    decide,
    open_survey,
    open_task,
    task_url,
)


@pytest.fixture
def answered(client, world, staff):
    """A's answer, submitted by Alice as the unit's liaison; Amos heads A too."""
    org_services.role_grant(actor=None, user=world.alice, role="unit_liaison", unit=world.a)
    amos = user("amos", "department_head", world.a)
    survey = open_survey(client, world.bob, world)
    row = survey.answers.get(unit=world.a)
    response = answer(client, world.alice, row, answer_data(TOPICS[:1], civil_servant=2))
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert row.submitted_by == world.alice
    return row, amos


def _state(row):
    row.refresh_from_db()
    return row.status, row.decided_by_id, AuditEvent.objects.count()


def test_the_service_refuses_the_head_who_submitted_the_answer(world, answered):
    row, _ = answered
    before = _state(row)
    for approve in (True, False):
        with override("zh-hans"), pytest.raises(PermissionDenied) as refused:
            services.answer_decide(actor=world.alice, answer=row, approve=approve, reason="再议")
        assert str(refused.value) == recusal()
    assert _state(row) == before
    assert row.status == AnswerStatus.AWAITING_APPROVAL


def test_another_head_of_the_unit_still_decides(world, answered):
    row, amos = answered
    services.answer_decide(actor=amos, answer=row, approve=True)
    row.refresh_from_db()
    assert (row.status, row.decided_by) == (AnswerStatus.APPROVED, amos)
    assert AuditEvent.objects.filter(verb="survey.approve", actor=amos).exists()


def test_a_deputy_acting_only_for_the_maker_is_refused(world, answered):
    row, amos = answered
    deputy = user("dora", "deputy_head", world.a)
    today = timezone.localdate()
    org_services.delegation_create(
        actor=world.alice, delegate=deputy, starts_on=today, ends_on=today
    )
    with pytest.raises(PermissionDenied):
        services.answer_decide(actor=deputy, answer=row, approve=True)
    # Acting for Amos as well, the deputy decides with Amos's authority.
    org_services.delegation_create(actor=amos, delegate=deputy, starts_on=today, ends_on=today)
    services.answer_decide(actor=deputy, answer=row, approve=True)
    row.refresh_from_db()
    assert row.status == AnswerStatus.APPROVED


def test_my_tasks_marks_the_step_for_a_deputy_acting_only_for_the_maker(client, world, answered):
    row, _amos = answered
    deputy = user("dora", "deputy_head", world.a)
    today = timezone.localdate()
    org_services.delegation_create(
        actor=world.alice, delegate=deputy, starts_on=today, ends_on=today
    )
    task = open_task(answer_process(row), "head_approval")
    node = SurveyAnswerFlow.head_approval
    assert_recused(client, node, task, maker=deputy, decider=_amos)


def test_the_task_is_not_offered_to_the_maker_and_its_pages_say_why(client, world, answered):
    row, amos = answered
    task = open_task(answer_process(row), "head_approval")
    node = SurveyAnswerFlow.head_approval
    assert_recused(client, node, task, maker=world.alice, decider=amos)
    assert _state(row)[0] == AnswerStatus.AWAITING_APPROVAL
    # Amos takes the same task and approves.
    assert decide(client, amos, row, "approve").status_code == 302
    row.refresh_from_db()
    assert row.status == AnswerStatus.APPROVED


def test_a_task_handed_to_the_maker_cannot_be_executed(client, world, answered):
    row, _ = answered
    task = open_task(answer_process(row), "head_approval")
    task.owner, task.status = world.alice, STATUS.ASSIGNED  # e.g. reassigned to her
    task.save()
    client.force_login(world.alice)
    assert not SurveyAnswerFlow.head_approval.can_execute(world.alice, task)
    response = client.post(task_url(task, "execute"), {"decision": "approve"})
    assert response.status_code == 403
    assert _state(row)[0] == AnswerStatus.AWAITING_APPROVAL
