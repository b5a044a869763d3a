"""Who answers a follow-up when the trainee is the unit's own head, and which unit asks:
the rule of every approval step (approvals.policy.route_chain) — the unit's other heads,
else the dispatchers of the nearest organization department; and the unit the trainee
serves when the follow-up falls due, not the one they attended from."""

import pytest
from dateutil.relativedelta import relativedelta
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from feedback import policy
from feedback.models import FollowUp, FollowUpStatus
from org.models import Cadre
from tests.factories import aware, cadre, user
from tests.feedback.kit import attended
from tests.flowtools import fire_at

pytestmark = pytest.mark.django_db


def _open_all(klass):
    fire_at(aware(klass.end_date + relativedelta(months=3), 8), "start_follow_ups")


def _task(follow_up):
    return Task.objects.get(
        process__artifact_object_id=follow_up.pk,
        process__flow_class__endswith="FollowUpFlow",
        flow_task__endswith=".complete",
    )


def _answer(client, person, task):
    url = f"/workflow/followup/{task.process_id}/complete/{task.pk}/"
    client.force_login(person)
    if task.status == STATUS.NEW:
        assignment = client.post(url + "assign/")
        if assignment.status_code != 302:
            return assignment
    return client.post(url + "execute/", {"applied": "yes", "rating": "4"})


@pytest.fixture
def head_as_trainee(world):
    """Alice, the only head of unit A, attends a class herself."""
    her = cadre("艾丽", world.a, world.city_od)
    Cadre.objects.filter(pk=her.pk).update(user=world.alice)
    her.refresh_from_db()
    return her


def test_the_unit_heads_own_follow_up_goes_to_the_dispatchers(
    client, world, staff, klass, head_as_trainee
):
    attended(client, world, staff, klass, [head_as_trainee])
    _open_all(klass)
    follow_up = FollowUp.objects.get()
    assert policy.follow_up_permission(follow_up) == "org.issue_dispatch"
    assert not policy.may_complete_follow_up(world.alice, follow_up)
    assert policy.may_complete_follow_up(world.bob, follow_up)
    task = _task(follow_up)
    assert task.owner_permission == "org.issue_dispatch"

    assert _answer(client, world.alice, task).status_code in (403, 404)
    client.force_login(world.bob)
    assert head_as_trainee.name in client.get("/tasks/").content.decode()
    assert _answer(client, world.bob, task).status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.completed_by) == (FollowUpStatus.DONE, world.bob)


def test_with_another_head_the_follow_up_stays_with_the_unit(
    client, world, staff, klass, head_as_trainee
):
    second = user("ann", "department_head", world.a)
    attended(client, world, staff, klass, [head_as_trainee])
    _open_all(klass)
    follow_up = FollowUp.objects.get()
    assert policy.follow_up_permission(follow_up) == "org.approve_as_head"
    assert policy.may_complete_follow_up(second, follow_up)
    assert not policy.may_complete_follow_up(world.alice, follow_up)
    assert not policy.may_complete_follow_up(world.bob, follow_up)


def test_a_trainee_who_moved_is_followed_up_by_the_new_units_head(client, world, staff, klass):
    attended(client, world, staff, klass, [world.cadre_a1])
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(unit=world.b)
    _open_all(klass)
    follow_up = FollowUp.objects.get()
    assert follow_up.unit == world.b
    assert policy.may_complete_follow_up(world.charlie, follow_up)
    assert not policy.may_complete_follow_up(world.alice, follow_up)
