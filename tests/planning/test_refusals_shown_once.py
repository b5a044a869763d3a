"""A refusal that belongs to no one field of a plan's form (the line form, the reason
form) is shown once on the page it comes back to, not twice."""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.html import escape

from dispatch.models import ClassSession
from planning import services
from planning.forms import line_initial
from planning.models import PlanLine
from tests.planning.helpers import dates, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def _form_data(line, **changes) -> dict:
    """The change form as `line_initial` fills it, as a browser would post it."""
    data = {}
    for key, value in {**line_initial(line), **changes}.items():
        if value is None:
            value = ""
        elif isinstance(value, dt.date):
            value = value.isoformat()
        data[key] = value if isinstance(value, list) else str(value)
    return data


def test_the_reason_form_shows_a_refusal_once(client, world, staff, plan):
    line = quota_line(world, plan)  # meets the indicators: no waiver is needed
    client.force_login(staff.oscar)
    response = client.post(
        f"/plans/lines/{line.pk}/waive/", {"reason": "专题班"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    with translation.override("zh-hans"):
        message = escape(
            translation.gettext("This class meets the teaching indicators; no waiver is needed.")
        )
    assert response.content.decode().count(message) == 1


def test_the_line_form_shows_a_refusal_once(client, world, staff, plan):
    line = quota_line(world, plan)
    publish(world, staff, plan)
    line.refresh_from_db()
    kept = ClassSession.objects.filter(training_class=line.training_class).count()
    assert kept == 4
    carried = services.plan_new_version(actor=world.bob, plan=plan, reason="调整").lines.get()
    # Fewer sessions than the class keeps: a refusal of the whole change.
    first_session = line_initial(carried)["sessions"].splitlines()[0]
    client.force_login(world.bob)
    with translation.override("zh-hans"):
        data = _form_data(carried, sessions=first_session)
        response = client.post(
            f"/plans/lines/{carried.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 200
    with translation.override("zh-hans"):
        message = translation.gettext(
            "%(name)s: its class already has %(count)d sessions and a session is never "
            "deleted: plan at least %(count)d sessions (change those no longer wanted)."
        ) % {"name": carried.name, "count": kept}
    assert "课程安排不能删除" in message
    assert response.content.decode().count(escape(message)) == 1
    assert PlanLine.objects.filter(plan__version=2).count() == 1
