"""A deputy's claimed task goes back to the queue once they may no longer do it, whatever
the flow (`workflow.claims`): a nomination's or a survey answer's head approval, claimed
by a deputy, is released when the head revokes the delegation (at once) or when it ends
(the nightly `release_ended_delegations`). Only tasks asking for the delegated
permission: a trainee's acknowledgement stays with them, and so does a head's own claim.
The audit trail names the task by its step and subject (release and reassign alike)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from dispatch.models import QuotaAllocation
from org import services as org_services
from org.models import Delegation
from surveys.models import AnswerStatus, SurveyAnswer
from tests.factories import aware, user
from tests.flowtools import (
    act,
    fire_at,
    named,
    nomination_head_task,
    open_task,
    task_url,
)
from tests.surveys import kit as survey_kit
from workflow.services import task_reassign

pytestmark = pytest.mark.klass(quota=10)

#: the steps' titles as the trail (zh-hans) names them
NOMINATION_HEAD = "单位负责人审核"
ANSWER_HEAD = "单位负责人审核填报"


def today():
    return timezone.localdate()


def delegate(head, deputy, ends_on=None):
    return org_services.delegation_create(
        actor=head,
        delegate=deputy,
        starts_on=today(),
        ends_on=ends_on or today() + dt.timedelta(days=7),
    )


def releases():
    return AuditEvent.objects.filter(verb="task.release")


def claim(client, person, task, url=task_url):
    client.force_login(person)
    assert client.post(url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, person)


def assert_released(task):
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)


def nomination_label(klass):
    return f"{NOMINATION_HEAD} · {klass.name} · {QuotaAllocation.objects.get()}"


def answer_head_task(client, world, staff):
    """Unit A's liaison answered the city's survey: the head approval task."""
    survey = survey_kit.open_survey(client, world.bob, world)
    row = SurveyAnswer.objects.get(survey=survey, unit=world.a)
    data = survey_kit.answer_data(survey_kit.TOPICS[:1], "", [3], civil_servant=10)
    assert survey_kit.answer(client, staff.lily, row, data).status_code == 302
    return survey_kit.open_task(survey_kit.answer_process(row), "head_approval"), row


# -- a nomination's head approval -----------------------------------------------------------


def test_revoking_gives_back_the_deputys_nomination_approval(world, staff, klass, client):
    deputy = user("deputy", "deputy_head", world.a)
    delegation = delegate(world.alice, deputy)
    task = nomination_head_task(client, world, staff, klass)
    claim(client, deputy, task)

    client.force_login(world.alice)
    assert client.post("/delegations/", {"revoke": delegation.pk}).status_code == 302

    assert_released(task)
    event = releases().get()
    assert (event.actor, event.target_id, event.note) == (
        world.alice,
        str(task.pk),
        "delegation_revoked",
    )
    assert event.target_repr == nomination_label(klass)
    assert event.before == {"owner": deputy.pk, "status": STATUS.ASSIGNED}
    assert event.after == {
        "owner": None,
        "status": STATUS.NEW,
        "reason": "delegation_revoked",
        "delegation": delegation.pk,
    }
    # The deputy may not take it back; the head claims and approves it.
    client.force_login(deputy)
    assert client.post(task_url(task, "assign")).status_code == 403
    client.force_login(world.alice)
    assert act(client, task, {"decision": "approve"}).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, world.alice)


def test_an_ended_delegation_gives_back_the_nomination_approval_the_night_after(
    world, staff, klass, client
):
    deputy = user("deputy", "deputy_head", world.a)
    delegate(world.alice, deputy, ends_on=today())
    task = nomination_head_task(client, world, staff, klass)
    claim(client, deputy, task)

    call_command("release_ended_delegations", verbosity=0)  # still running today
    task.refresh_from_db()
    assert task.owner == deputy and not releases().exists()

    tomorrow = aware(today() + dt.timedelta(days=1), hour=0)
    fire_at(tomorrow + dt.timedelta(minutes=5), "release_ended_delegations")
    assert_released(task)
    event = releases().get()
    assert (event.actor, event.note, event.target_repr) == (
        None,
        "delegation_ended",
        nomination_label(klass),
    )
    fire_at(tomorrow + dt.timedelta(hours=1), "release_ended_delegations")  # idempotent
    assert releases().count() == 1
    client.force_login(world.alice)
    assert client.post(task_url(task, "assign")).status_code == 302


def test_a_deputy_still_acting_for_another_head_keeps_the_nomination(world, staff, klass, client):
    ada = user("ada", "department_head", world.a)  # a second head of unit A
    deputy = user("deputy", "deputy_head", world.a)
    revoked = delegate(world.alice, deputy)
    delegate(ada, deputy)
    task = nomination_head_task(client, world, staff, klass)
    claim(client, deputy, task)

    org_services.delegation_revoke(actor=world.alice, delegation=revoked)
    call_command("release_ended_delegations", verbosity=0)

    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, deputy)
    assert not releases().exists()


def test_a_heads_own_claim_stays_with_them(world, staff, klass, client):
    deputy = user("deputy", "deputy_head", world.a)
    delegation = delegate(world.alice, deputy, ends_on=today())
    task = nomination_head_task(client, world, staff, klass)
    claim(client, world.alice, task)

    org_services.delegation_revoke(actor=world.alice, delegation=delegation)
    fire_at(aware(today() + dt.timedelta(days=1), hour=1), "release_ended_delegations")

    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, world.alice)
    assert not releases().exists()


# -- a survey answer's head approval -------------------------------------------------------


def test_revoking_gives_back_the_deputys_answer_approval(world, staff, client):
    deputy = user("deputy", "deputy_head", world.a)
    delegation = delegate(world.alice, deputy)
    task, row = answer_head_task(client, world, staff)
    claim(client, deputy, task, url=survey_kit.task_url)

    org_services.delegation_revoke(actor=world.alice, delegation=delegation)

    assert_released(task)
    event = releases().get()
    assert (event.actor, event.note) == (world.alice, "delegation_revoked")
    assert event.target_repr == f"{ANSWER_HEAD} · {row}"
    client.force_login(deputy)
    assert client.post(survey_kit.task_url(task, "assign")).status_code == 403
    assert survey_kit.decide(client, world.alice, row, "approve").status_code == 302
    row.refresh_from_db()
    assert row.status == AnswerStatus.APPROVED


def test_an_ended_delegation_gives_back_the_answer_approval_the_night_after(world, staff, client):
    deputy = user("deputy", "deputy_head", world.a)
    delegate(world.alice, deputy, ends_on=today())
    task, row = answer_head_task(client, world, staff)
    claim(client, deputy, task, url=survey_kit.task_url)

    call_command("release_ended_delegations", verbosity=0)
    task.refresh_from_db()
    assert task.owner == deputy and not releases().exists()

    tomorrow = aware(today() + dt.timedelta(days=1), hour=0)
    fire_at(tomorrow + dt.timedelta(minutes=5), "release_ended_delegations")
    assert_released(task)
    assert releases().get().note == "delegation_ended"
    assert survey_kit.decide(client, world.alice, row, "approve").status_code == 302


# -- tasks no delegation gave ------------------------------------------------------------


def test_a_trainees_acknowledgement_is_never_released(world, staff, klass, client):
    """Dave, the trainee, was once a deputy of Alice's: his acknowledgement, assigned to
    him by the flow and asking for the liaison's permission, stays his."""
    _dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    ack = open_task(process, "acknowledge")
    assert (ack.status, ack.owner) == (STATUS.ASSIGNED, world.dave)
    running = Delegation.objects.create(
        delegator=world.alice,
        delegate=world.dave,
        permission="org.approve_as_head",
        starts_on=today(),
        ends_on=today(),
    )

    org_services.delegation_revoke(actor=world.alice, delegation=running)
    fire_at(aware(today() + dt.timedelta(days=1), hour=1), "release_ended_delegations")

    ack.refresh_from_db()
    assert (ack.status, ack.owner) == (STATUS.ASSIGNED, world.dave)
    assert not releases().exists()


def test_a_reassigned_task_is_named_by_its_step_and_subject(world, staff, klass, client):
    task = nomination_head_task(client, world, staff, klass)
    task_reassign(actor=world.bob, task=task, to_user=world.alice)
    event = AuditEvent.objects.get(verb="task.reassign")
    assert event.target_repr == nomination_label(klass)
