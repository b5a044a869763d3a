"""The plan's classes downloaded from its page (?format=xlsx/csv): every line, not the page
shown, with the columns the page has; dates as dates; outsiders refused as on the page."""

import datetime as dt

import pytest
from django.utils import timezone

from planning import services
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.planning.helpers import good_sessions

pytestmark = pytest.mark.django_db


def _year():
    """Read when asked, not when the module is collected: a run may pass midnight."""
    return timezone.localdate().year + 1


def add_line(world, plan, name, day, seats):
    start = dt.date(_year(), 3, 1) + dt.timedelta(days=day)
    return services.line_add(
        actor=world.bob,
        plan=plan,
        name=name,
        institution=world.school,
        start_date=start,
        end_date=start + dt.timedelta(days=4),
        dispatch_date=timezone.localdate() + dt.timedelta(days=20),
        hours=40,
        days=5,
        seats=seats,
        mode="quota",
        allocations=[(world.a, seats - 1), (world.a1, 1)],
        target_categories=["county_leader"],
        sessions=good_sessions(start),
    )


@pytest.fixture
def plan(world):
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=_year())
    for n in range(30):  # more than the page's 25
        add_line(world, plan, f"进修班第{n:02d}期", n, 10 + n)
    return plan


def test_the_download_has_every_line_with_the_pages_columns(world, client, plan):
    client.force_login(world.bob)
    sheet = xlsx(client.get(f"/plans/{plan.pk}/?format=xlsx&page=2"))
    headers = [c.value for c in sheet[1]]
    assert headers[:7] == [
        "班次名称",
        "培训机构",
        "开始日期",
        "结束日期",
        "调训日期",
        "学时",
        "名额",
    ]
    rows = by_header(sheet)
    assert [r["班次名称"].value for r in rows] == [f"进修班第{n:02d}期" for n in range(30)]
    first = rows[0]
    assert first["开始日期"].value == dt.datetime(_year(), 3, 1)
    assert first["名额"].value == 10
    assert first["各单位名额"].value == f"{world.a.name} 9、{world.a1.name} 1"
    assert "县处级" in first["调训对象"].value
    assert rows[5]["课程"].value == first["课程"].value > 0
    csv = csv_by_header(client.get(f"/plans/{plan.pk}/?format=csv"))
    assert len(csv) == 30 and csv[29]["名额"] == "39"


def test_outsiders_are_refused_the_download(world, client, plan):
    client.force_login(world.carol)
    assert client.get(f"/plans/{plan.pk}/?format=xlsx").status_code == 404
    client.force_login(world.nobody)
    assert client.get(f"/plans/{plan.pk}/?format=csv").status_code == 404
    client.logout()
    assert client.get(f"/plans/{plan.pk}/?format=csv").status_code == 302
