"""A new version of a published plan does not take back what the institution changed in
a class's curriculum since publication: the change form of a carried line is filled
with the class's sessions as they stand, and publication applies to the class only the
sessions whose planned values the version changed."""

import pytest

from dispatch.models import ClassSession
from dispatch.services.curriculum import class_session_save
from planning import services
from planning.forms import line_initial
from planning.models import PlanLine
from tests.planning.helpers import dates, form_data, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world, staff):
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = quota_line(world, plan)
    publish(world, staff, plan)
    line.refresh_from_db()
    return plan, line.training_class


def edit_last_session(world, klass, **values):
    """The institution's registrar changes the class's last session."""
    session = klass.sessions.order_by("date", "id").last()
    for name, value in values.items():
        setattr(session, name, value)
    return class_session_save(actor=world.rita, session=session)


def sessions_of(klass):
    return list(klass.sessions.order_by("date", "id").values_list("teacher", "title", "hours"))


def test_the_change_form_shows_the_classs_sessions_and_keeps_them(client, world, staff, published):
    plan, klass = published
    edited = edit_last_session(world, klass, teacher="新老师", title="新专题")
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="增加名额")
    carried = v2.lines.get()
    assert "新老师" in line_initial(carried)["sessions"]
    assert "新专题" in line_initial(carried)["sessions"]

    client.force_login(world.bob)
    data = form_data(carried, seats=5, allocations=f"{world.a.code}: 4\n{world.b.code}: 1")
    assert client.post(f"/plans/lines/{carried.pk}/change/", data).status_code == 302
    before = sessions_of(klass)
    publish(world, staff, v2)
    klass.refresh_from_db()
    assert klass.quota == 5
    assert sessions_of(klass) == before
    edited.refresh_from_db()
    assert (edited.teacher, edited.title) == ("新老师", "新专题")


def test_publication_changes_only_the_sessions_the_version_changed(world, staff, published):
    plan, klass = published
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="更换教师")
    carried = v2.lines.get()
    planned = list(
        carried.sessions.values(
            "date", "hours", "content", "method", "teacher", "by_leading_cadre", "title"
        )
    )
    planned[0]["teacher"] = "甲二"  # changed in this version
    services.line_change(
        actor=world.bob,
        line=carried,
        name=carried.name,
        institution=carried.institution,
        start_date=carried.start_date,
        end_date=carried.end_date,
        dispatch_date=carried.dispatch_date,
        hours=carried.hours,
        days=carried.days,
        seats=carried.seats,
        mode=carried.mode,
        allocations=[(a.unit, a.seats) for a in carried.allocations.all()],
        sessions=planned,
    )
    # The institution changes the last session after the version was drafted.
    edit_last_session(world, klass, teacher="新老师")
    publish(world, staff, v2)
    teachers = list(klass.sessions.order_by("date", "id").values_list("teacher", flat=True))
    assert teachers[0] == "甲二" and teachers[-1] == "新老师"
    assert ClassSession.objects.filter(training_class=klass).count() == 4
    assert PlanLine.objects.active().get(plan=v2).changed_at is not None
