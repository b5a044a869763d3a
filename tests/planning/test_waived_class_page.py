"""A class made from a plan line whose curriculum the org department head let miss the
teaching indicators (豁免) says so on its page: the indicators it misses are marked
waived, with the head's reason, not shown as failures the class still has to mend."""

import pytest

from planning import services
from planning.models import PlanLine
from tests.planning.helpers import dates, poor_sessions, publish, quota_line

pytestmark = pytest.mark.django_db

REASON = "专题班以业务能力提升为主，经研究同意豁免"


def test_the_class_page_marks_the_missed_indicators_waived(world, staff, client):
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    waived = quota_line(world, plan, sessions=poor_sessions(start))
    services.line_waive(actor=staff.oscar, line=waived, reason=REASON)
    publish(world, staff, plan)
    klass = PlanLine.objects.get(pk=waived.pk).training_class

    client.force_login(world.bob)
    page = client.get(f"/classes/{klass.pk}/").content.decode()

    assert "未达标（已豁免）" in page
    assert f"本班次教学指标予以豁免，理由：{REASON}" in page
    assert "<strong>未达标</strong>" not in page
