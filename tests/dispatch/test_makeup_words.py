"""A makeup reads in words wherever it shows: its reason as a label (无故缺训, not the
stored "absence") on the scheduling task, and its due date as 2026年3月5日 (not an ISO
date) in its name — in 我的待办, on the home page and as the process's title."""

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext

from dispatch.models import Makeup
from tests.factories import training_class
from tests.flowtools import open_task, process_of, run_to_absence, task_url


def owed(client, world, staff):
    missed = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=20), name="全市专题班"
    )
    run_to_absence(client, world, staff, missed, world.cadre_a)
    return Makeup.objects.get()


def in_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def named_as(makeup) -> str:
    """王堃 补训（全市专题班，2026年3月5日前）, as the pages (zh-hans) print it: the class
    missed tells two makeups of one cadre apart."""
    with translation.override("zh-hans"):
        return gettext("%(cadre)s makeup (%(missed)s, due by %(date)s)") % {
            "cadre": "王堃",
            "missed": makeup.source.training_class.name,
            "date": in_words(makeup.due_date),
        }


def test_a_makeup_is_named_with_its_due_date_in_words(world, staff, client):
    makeup = owed(client, world, staff)
    with translation.override("zh-hans"):
        assert str(makeup) == named_as(makeup)
    task = open_task(process_of(makeup, "MakeupFlow"), "schedule")
    client.force_login(world.bob)
    client.post(task_url(task, "assign"))
    for path in ("/tasks/", "/"):
        page = client.get(path).content.decode()
        assert named_as(makeup) in page, path
        assert makeup.due_date.isoformat() not in page, path


def test_the_scheduling_task_gives_the_reason_as_a_label(world, staff, client):
    makeup = owed(client, world, staff)
    assert makeup.reason == "absence"
    task = open_task(process_of(makeup, "MakeupFlow"), "schedule")
    client.force_login(world.bob)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert "<tr><th>理由</th><td>无故缺训</td></tr>" in page
    assert "<td>absence</td>" not in page
