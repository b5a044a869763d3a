"""The plan pages: who gets what (login, 403, 404), flat query counts at 1 and 50 rows,
and the plan-against-actual export."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from dispatch.models import TrainingClass
from planning.models import Plan, PlanAllocation, PlanLine, PlanStatus
from tests.planning.helpers import Partner

pytestmark = pytest.mark.django_db


def _plans(world, n):
    return [
        Plan.objects.create(
            org_department=world.city_od,
            year=2000 + i,
            title=f"{2000 + i}年度调训计划",
            created_by=world.bob,
        )
        for i in range(n)
    ]


def _published_with_lines(world, n):
    plan = Plan.objects.create(
        org_department=world.city_od, year=2030, title="计划", status=PlanStatus.PUBLISHED
    )
    start = dt.date(2030, 3, 1)
    for i in range(n):
        klass = TrainingClass.objects.create(
            name=f"班{i}",
            institution=world.school,
            organizer=world.city_od,
            start_date=start,
            end_date=start,
            report_date=start,
            location="党校",
            credit_hours=8,
            days=1,
            quota=2,
        )
        line = PlanLine.objects.create(
            plan=plan,
            name=f"班{i}",
            institution=world.school,
            start_date=start,
            end_date=start,
            report_date=start,
            dispatch_date=start - dt.timedelta(days=9),
            hours=8,
            days=1,
            seats=2,
            mode="quota",
            training_class=klass,
        )
        PlanAllocation.objects.create(line=line, unit=world.a, seats=2)
    return plan


@pytest.mark.parametrize("rows", [1, 50])
def test_the_plan_list_stays_flat(client, world, rows, django_assert_max_num_queries):
    _plans(world, rows)
    client.force_login(world.bob)
    with django_assert_max_num_queries(14):
        response = client.get("/plans/")
    assert response.status_code == 200
    main = response.content.decode().split('id="main"', 1)[1]  # not the header's link
    assert main.count("年度调训计划</a>") == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_plan_against_actual_stays_flat_and_exports(
    client, world, rows, django_assert_max_num_queries
):
    plan = _published_with_lines(world, rows)
    client.force_login(world.bob)
    with django_assert_max_num_queries(16):
        response = client.get(f"/plans/{plan.pk}/actual/")
    assert response.status_code == 200
    assert response.content.decode().count(world.a.name) == rows
    response = client.get(f"/plans/{plan.pk}/actual/?format=xlsx")
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == rows + 1 and values[1][3:] == (2, 0, 0, 2)


def test_who_opens_the_plan_pages(client, world, staff):
    partner = Partner()
    plan = _published_with_lines(world, 1)
    line = plan.lines.get()
    PlanLine.objects.filter(pk=line.pk).update(
        partner=partner.od,
        partner_seats=1,
        dispatch_date=timezone.localdate() + dt.timedelta(days=5),
    )
    urls = [
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/actual/",
        f"/plans/{plan.pk}/lines/add/",
        f"/plans/{plan.pk}/new-version/",
        f"/plans/lines/{line.pk}/waive/",
        f"/plans/lines/{line.pk}/nominate/",
    ]
    for url in urls + ["/plans/"]:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(world.dave)  # a trainee reaches no plan
    assert client.get("/plans/").status_code == 403
    assert all(client.get(u).status_code == 404 for u in urls)
    client.force_login(world.carol)  # the county's dispatcher: the city's plan is not hers
    assert all(client.get(u).status_code == 404 for u in urls)
    client.force_login(staff.oscar)  # the city's head: reads, waives; drafts nothing
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[2]).status_code == 403 and client.get(urls[3]).status_code == 403
    assert client.get(urls[4]).status_code == 200
    assert client.get(urls[5]).status_code == 403  # reads the line; the seats are the partner's
    client.force_login(world.bob)
    assert client.get(urls[2]).status_code == 302  # published: back to the plan
    assert client.get(urls[4]).status_code == 403  # waivers are the head's
    assert client.get(urls[3]).status_code == 200
    client.force_login(partner.pete)  # the partner: its seats only
    assert client.get(urls[5]).status_code == 200
    assert client.get(urls[0]).status_code == 404
    assert "班0" in client.get("/plans/").content.decode()


def test_a_partner_learns_nothing_of_cadres_outside_its_jurisdiction(client, world):
    """Nominating by a city cadre's ID number or name reads exactly like a number that
    exists nowhere: the partner's dispatcher never sees the city cadre's name."""
    partner = Partner()
    line = _published_with_lines(world, 1).lines.get()
    PlanLine.objects.filter(pk=line.pk).update(
        partner=partner.od,
        partner_seats=2,
        dispatch_date=timezone.localdate() + dt.timedelta(days=5),
    )
    client.force_login(partner.pete)
    url = f"/plans/lines/{line.pk}/nominate/"
    for key in (world.cadre_a.id_number, world.cadre_a.name):
        page = client.post(url, {"cadres": key}).content.decode()
        assert f"未在您的管辖范围内找到：{key}" in page
        if key != world.cadre_a.name:
            assert world.cadre_a.name not in page
    assert not line.partner_nominations.exists()
    response = client.post(url, {"cadres": f"{partner.cadre.id_number}\n{partner.cadre2.name}"})
    assert response.status_code == 302
    assert set(line.partner_nominations.values_list("cadre", flat=True)) == {
        partner.cadre.pk,
        partner.cadre2.pk,
    }


def test_only_those_who_may_start_a_plan_are_offered_the_link(client, world, staff):
    """The plan list links to the plan flow's start for dispatchers only: a head, an
    org department head or a liaison would be refused there (403)."""
    for person, offered in ((world.bob, True), (staff.oscar, False), (staff.lily, False)):
        client.force_login(person)
        page = client.get("/plans/").content.decode()
        assert ('href="/workflow/plan/start/"' in page) is offered, person.username
        assert (client.get("/workflow/plan/start/").status_code == 200) is offered


def test_a_new_plan_opens_on_its_page_which_sends_it_to_consultation(client, world, staff):
    """新建计划 lands on the plan's page (where its classes are added), and the page links
    the draft task that sends it to consultation; for the org department head, who does
    not draft, no such link."""
    from planning.models import Plan
    from tests.flowtools import open_task, process_of
    from tests.planning.helpers import dates

    start, _end = dates(60)
    client.force_login(world.bob)
    response = client.post(
        "/workflow/plan/start/",
        {"org_department": world.city_od.pk, "year": start.year, "title": "年度调训计划"},
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response.url == f"/plans/{plan.pk}/"
    task = open_task(process_of(plan, "PlanFlow"), "draft")
    page = client.get(response.url).content.decode()
    assert "提交会商" in page and f"/{task.pk}/" in page
    client.force_login(staff.oscar)
    assert "提交会商" not in client.get(response.url).content.decode()
