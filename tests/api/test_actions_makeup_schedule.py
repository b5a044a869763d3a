"""Scheduling an owed makeup (补训) through the API completes MakeupFlow's schedule task as
its page does: a makeup dispatch into the chosen class, which starts its own DispatchFlow,
and the makeup flow waits for its outcome. The classes on offer are the page's; a refusal
writes nothing."""

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from core.locking import LockBusy
from dispatch import services as dispatch_services
from dispatch.models import Dispatch, DispatchKind, Makeup, MakeupStatus
from tests.api.actiontools import event_count, post, verbs
from tests.factories import training_class
from tests.flowtools import act, open_task, process_of, run_to_absence

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(client, world, staff, klass):
    """Cadre A was absent from `klass` (run today): a makeup is owed, its schedule task
    open for the city's dispatchers."""
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    makeup = Makeup.objects.get(source=dispatch)
    return makeup, process_of(makeup, "MakeupFlow")


def later_class(world, days=60, **fields):
    start = timezone.localdate() + dt.timedelta(days=days)
    return training_class(world.city_od, world.school, start, **fields)


def schedule(person, process, training_class_pk):
    task = open_task(process, "schedule")
    return post(person, f"tasks/{task.pk}/schedule-makeup/", {"training_class": training_class_pk})


def untouched(task, before):
    task.refresh_from_db()
    return (task.status, task.owner_id, event_count()) == (STATUS.NEW, None, before)


def test_the_dispatcher_schedules_a_makeup_through_the_api_as_on_the_page(owed, world):
    makeup, process = owed
    later = later_class(world, name="补训班次")
    task = open_task(process, "schedule")

    response = schedule(world.bob, process, later.pk)

    assert response.status_code == 200, response.json()
    makeup.refresh_from_db()
    task.refresh_from_db()
    assert makeup.status == MakeupStatus.SCHEDULED
    assert (task.status, task.owner) == (STATUS.DONE, world.bob)
    dispatch = Dispatch.objects.get(makes_up=makeup)
    assert (dispatch.kind, dispatch.training_class) == (DispatchKind.MAKEUP, later)
    body = response.json()
    assert body["dispatch"] == dispatch.pk and body["subject_status"] == MakeupStatus.SCHEDULED
    assert "makeup.schedule" in verbs(makeup)
    assert verbs(dispatch) == ["dispatch.name"]
    # The makeup dispatch runs its own course; the makeup flow awaits its outcome.
    assert open_task(process_of(dispatch, "DispatchFlow"), "confirm") is not None
    assert [t["node"] for t in body["open_tasks"]] == ["await_outcome"]


def test_the_api_and_the_page_leave_the_same_state(client, owed, world, staff):
    makeup, process = owed
    later = later_class(world)
    assert schedule(world.bob, process, later.pk).status_code == 200
    missed = later_class(world, days=20)
    by_page = Makeup.objects.get(
        source=run_to_absence(client, world, staff, missed, world.cadre_a1)
    )
    client.force_login(world.bob)

    act(
        client,
        open_task(process_of(by_page, "MakeupFlow"), "schedule"),
        {"training_class": later.pk},
    )

    by_page.refresh_from_db()
    makeup.refresh_from_db()
    assert by_page.status == makeup.status == MakeupStatus.SCHEDULED
    assert verbs(by_page) == verbs(makeup)
    page_dispatch = Dispatch.objects.get(makes_up=by_page)
    assert verbs(page_dispatch) == verbs(Dispatch.objects.get(makes_up=makeup))


def test_a_stranger_gets_404_and_a_wrong_role_403(owed, world, staff):
    makeup, process = owed
    later = later_class(world)
    task = open_task(process, "schedule")
    before = event_count()

    assert schedule(world.charlie, process, later.pk).status_code == 404
    assert schedule(world.carol, process, later.pk).status_code == 404
    for person in (world.alice, staff.lily):  # they see the makeup, do not schedule it
        refused = schedule(person, process, later.pk)
        assert refused.status_code == 403 and refused.json()["detail"]
    assert untouched(task, before)
    assert post(world.bob, f"tasks/{task.pk}/nominate/", {"cadres": []}).status_code == 404


@pytest.mark.parametrize(
    "choose, message",
    [
        # not on offer: the missed class (begun), no class
        (lambda w, missed: missed.pk, "有效的选项"),
        (lambda w, missed: 999999999, "有效的选项"),
        (lambda w, missed: "abc", None),
        # on offer, refused by the service: it ends after the makeup's due date
        (lambda w, missed: later_class(w, days=400).pk, "期限"),
    ],
)
def test_a_class_not_to_be_chosen_is_a_400_and_writes_nothing(owed, world, klass, choose, message):
    makeup, process = owed
    task = open_task(process, "schedule")
    before = event_count()

    response = schedule(world.bob, process, choose(world, klass))

    assert response.status_code == 400
    assert "training_class" in response.json(), response.json()
    if message:
        assert message in str(response.json()), response.json()
    assert untouched(task, before)
    makeup.refresh_from_db()
    assert makeup.status == MakeupStatus.OWED
    assert not Dispatch.objects.filter(makes_up=makeup).exists()


def test_scheduling_twice_is_a_409(owed, world):
    makeup, process = owed
    later = later_class(world)
    task = open_task(process, "schedule")
    assert schedule(world.bob, process, later.pk).status_code == 200
    before = event_count()

    again = post(world.bob, f"tasks/{task.pk}/schedule-makeup/", {"training_class": later.pk})

    assert again.status_code == 409
    assert event_count() == before


def test_a_lock_held_by_someone_else_is_a_409_and_keeps_nothing(owed, world, monkeypatch):
    makeup, process = owed
    later = later_class(world)
    task = open_task(process, "schedule")
    before = event_count()

    def held(**kwargs):
        raise LockBusy()

    monkeypatch.setattr(dispatch_services, "makeup_schedule", held)
    response = schedule(world.bob, process, later.pk)

    assert response.status_code == 409
    assert response.json()["detail"] == "该事项正在由他人办理，请稍后重试"
    assert untouched(task, before)
