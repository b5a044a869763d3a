"""A named line drafted on the plan's page: the cadres one a line by name or ID number,
looked up among the cadres the dispatcher may name; anything else refused in Chinese with
nothing written."""

import pytest
from django.utils import translation

from planning import services
from planning.models import PlanLine
from tests.factories import cadre
from tests.planning.helpers import Partner, dates, good_sessions, session_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def _post(client, plan, world, cadres, mode="named"):
    start, end = dates(60)
    with translation.override("zh-hans"):
        return client.post(
            f"/plans/{plan.pk}/lines/add/",
            {
                "name": "点名班",
                "institution": world.school.pk,
                "kind": "main",
                "start_date": start,
                "end_date": end,
                "hours": "40",
                "days": 5,
                "seats": 3,
                "mode": mode,
                "allocations": f"{world.a.code}: 3",
                "cadres": cadres,
                "sessions": session_lines(good_sessions(start)),
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )


def test_it_names_cadres_by_name_or_id_number(client, world, plan):
    client.force_login(world.bob)
    response = _post(client, plan, world, f"{world.cadre_a.name}\n{world.cadre_b.id_number}\n")
    assert response.status_code == 302, response.content.decode()[:2000]
    line = PlanLine.objects.get()
    assert set(line.named_cadres.all()) == {world.cadre_a, world.cadre_b}


def test_a_quota_line_keeps_no_named_cadres(client, world, plan):
    client.force_login(world.bob)
    assert _post(client, plan, world, world.cadre_a.name, mode="quota").status_code == 302
    assert not PlanLine.objects.get().named_cadres.exists()


def test_cadres_out_of_reach_or_unknown_read_as_not_found(client, world, plan):
    partner = Partner()
    client.force_login(world.bob)
    response = _post(client, plan, world, f"{world.cadre_a.name}\n{partner.cadre.name}\n无此人")
    page = response.content.decode()
    assert response.status_code == 200
    assert "未找到" in page and partner.cadre.name in page and "无此人" in page
    assert not PlanLine.objects.exists()


def test_a_shared_name_asks_for_the_id_number(client, world, plan):
    cadre(world.cadre_a.name, world.a1, world.city_od)
    client.force_login(world.bob)
    response = _post(client, plan, world, world.cadre_a.name)
    assert response.status_code == 200 and "身份证号" in response.content.decode()
    assert not PlanLine.objects.exists()
    assert _post(client, plan, world, world.cadre_a.id_number).status_code == 302
    assert list(PlanLine.objects.get().named_cadres.all()) == [world.cadre_a]
