"""Seats per unit on the plan line form: a code that names no unit, or a unit outside
the dispatcher's reach, is refused on the field with the line and the code (not the
format hint, not a 403 page), nothing written; the service still refuses such a unit
from any other caller."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from audit.models import AuditEvent
from planning import services
from planning.models import PlanLine
from tests.planning.helpers import Partner, dates, good_sessions, quota_line, session_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def _post(client, plan, world, allocations):
    start, end = dates(60)
    with translation.override("zh-hans"):
        return client.post(
            f"/plans/{plan.pk}/lines/add/",
            {
                "name": "进修班",
                "institution": world.school.pk,
                "kind": "main",
                "start_date": start,
                "end_date": end,
                "dispatch_date": dates(20)[0],
                "hours": "40",
                "days": 5,
                "seats": 4,
                "mode": "quota",
                "allocations": allocations,
                "sessions": session_lines(good_sessions(start)),
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )


def _refused_on_the_field(response) -> str:
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["allocations"], form.errors
    return form.errors["allocations"][0]


def test_an_unknown_unit_code_is_named_as_not_found(client, world, plan):
    client.force_login(world.bob)
    events = AuditEvent.objects.count()
    response = _post(client, plan, world, f"{world.a.code}: 3\nxx-zz: 1")
    assert _refused_on_the_field(response) == "第2行：单位代码“xx-zz”不存在或不在您的辖区内。"
    assert "名额" not in _refused_on_the_field(response)  # not the format hint
    assert not PlanLine.objects.exists() and AuditEvent.objects.count() == events


def test_a_malformed_line_still_gets_the_format_hint(client, world, plan):
    client.force_login(world.bob)
    response = _post(client, plan, world, f"{world.a.code} 4")
    assert _refused_on_the_field(response) == "第1行：单位代码: 名额"


def test_a_unit_outside_the_dispatchers_reach_is_a_field_error_not_a_403(client, world, plan):
    outside = Partner().unit
    client.force_login(world.bob)
    events = AuditEvent.objects.count()
    response = _post(client, plan, world, f"{world.a.code}: 3\n{outside.code}: 1")
    assert (
        _refused_on_the_field(response)
        == f"第2行：单位代码“{outside.code}”不存在或不在您的辖区内。"
    )
    assert not PlanLine.objects.exists() and AuditEvent.objects.count() == events
    # Within reach, the same line is saved.
    assert _post(client, plan, world, f"{world.a.code}: 3\n{world.b.code}: 1").status_code == 302
    # The service refuses such a unit from any caller (the API, a script).
    with pytest.raises(PermissionDenied):
        quota_line(world, plan, allocations=[(world.a, 3), (outside, 1)])
    assert PlanLine.objects.count() == 1
