"""A teaching indicator is judged on the share as it is shown, to 0.1 % (rounded half up):
6 hours of case teaching in a class of 40.1 hours read 15.0 % and meet a minimum of 15 %
— they are neither listed as missed nor held back from publication; 5.9 hours read 14.7 %
and miss it."""

import datetime as dt
from decimal import Decimal

import pytest

from dispatch.teaching import teaching_checks
from planning import policy, services
from tests.planning.helpers import dates, good_sessions, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def six_days():
    """40.1 hours are more than 5 days hold (8 a day): the class lasts 6."""
    start, _end = dates(60)
    return {"end_date": start + dt.timedelta(days=5), "days": 6}


def test_a_share_shown_equal_to_its_minimum_meets_it(client, world, staff, plan):
    line = quota_line(world, plan, hours="40.1", **six_days())  # 6 h by cases, 8 interactive
    checks = {
        c.measure: c for c in teaching_checks(line.sessions.all(), line.hours, line.start_date)
    }
    assert (checks["case_teaching"].actual, checks["case_teaching"].met) == (Decimal("15.0"), True)
    assert (checks["interactive"].actual, checks["interactive"].met) == (Decimal("20.0"), True)
    assert policy.line_shortfalls(line) == []
    assert services.publish_refusals(plan) == []

    client.force_login(staff.oscar)  # nothing to waive
    page = client.get(f"/plans/lines/{line.pk}/waive/").content.decode()
    assert "15.0% / 15.0%" not in page


def test_a_share_shown_below_its_minimum_misses_it(world, plan):
    start, _end = dates(60)
    sessions = good_sessions(start)
    sessions[1]["hours"] = "5.9"  # the case-taught session
    line = quota_line(world, plan, hours="40.1", sessions=sessions, **six_days())
    missed = {m.measure: m for m in policy.line_shortfalls(line)}
    assert list(missed) == ["case_teaching"]
    assert missed["case_teaching"].actual == Decimal("14.7")
    assert len(services.publish_refusals(plan)) == 1
