"""The registrar's 我的待办 lists a dispatch's attendance from its class's first day — not
from the trainee's 签收 weeks before, when the roster cannot be recorded yet — with the
class's last day as its deadline; the page says how many are still to come, and from
when. A class moved earlier brings its attendance tasks forward with it."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from dispatch.models import TrainingClass
from dispatch.services import training_class_save
from tests.flowtools import acknowledged, open_task, task_url
from workflow.mytasks import held_tasks, open_tasks

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def _day(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_attendance_is_listed_from_the_class_first_day(world, staff, klass, client):
    task = open_task(acknowledged(client, world, staff, klass), "record_attendance")
    assert klass.start_date > timezone.localdate()
    assert task.pk in [t.pk for t in held_tasks(world.rita)]  # in the school's queue
    assert task.pk not in [t.pk for t in open_tasks(world.rita)]  # but not listed yet
    client.force_login(world.rita)
    for url in ["/", "/tasks/"]:
        assert task_url(task, "assign") not in client.get(url).content.decode(), url
    page = client.get("/tasks/").content.decode()
    assert f"另有 1 项待办尚未到办理时间，自 {_day(klass.start_date)} 起列入" in page

    first_morning = timezone.make_aware(dt.datetime.combine(klass.start_date, dt.time(8)))
    with time_machine.travel(first_morning, tick=False):
        client.force_login(world.rita)
        page = client.get("/tasks/").content.decode()
        assert task_url(task, "assign") in page
        assert "尚未到办理时间" not in page
        # Due by the class's last day, when the cadres present are recorded.
        assert _day(klass.end_date) in page
        assert task_url(task, "assign") in client.get("/").content.decode()


def test_a_class_moved_earlier_lists_its_attendance_from_its_new_first_day(
    world, staff, klass, client
):
    task = open_task(acknowledged(client, world, staff, klass), "record_attendance")
    today = timezone.localdate()
    moved = TrainingClass.objects.get(pk=klass.pk)
    moved.report_date = moved.start_date = today
    moved.end_date = today + dt.timedelta(days=4)
    training_class_save(actor=world.bob, training_class=moved)
    assert task.pk in [t.pk for t in open_tasks(world.rita)]
    # … and moved later again, it is not listed until then.
    moved.start_date = moved.report_date = today + dt.timedelta(days=10)
    moved.end_date = today + dt.timedelta(days=14)
    training_class_save(actor=world.bob, training_class=moved)
    assert task.pk not in [t.pk for t in open_tasks(world.rita)]
