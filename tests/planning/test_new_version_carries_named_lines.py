"""A new version of a published plan carries each line whole: a named line keeps its
named cadres (the plan page counts them, its roll call names them on its dispatch date,
plan against actual counts their seats), and a line published under a waiver of the
teaching indicators keeps its waiver while its curriculum is unchanged; changed in the
new version, it needs a new one."""

import pytest
from django.utils import translation

from audit.models import AuditEvent
from dispatch.models import Dispatch
from planning import schedule, selectors, services
from planning.models import IndicatorWaiver, PlanLine
from tests.planning.helpers import dates, poor_sessions, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world, staff):
    """The city's published plan with a named line of two cadres, under a waiver."""
    start, end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = services.line_add(
        actor=world.bob,
        plan=plan,
        name="专题研讨班",
        institution=world.school,
        start_date=start,
        end_date=end,
        hours=40,
        days=5,
        seats=2,
        mode="named",
        cadres=[world.cadre_a, world.cadre_a1],
        sessions=poor_sessions(start),
    )
    services.line_waive(actor=staff.oscar, line=line, reason="以业务研讨为主")
    publish(world, staff, plan)
    return plan


def test_the_carried_line_keeps_its_cadres_and_its_waiver(client, world, staff, published):
    old = published.lines.get()
    v2 = services.plan_new_version(actor=world.bob, plan=published, reason="补充计划")
    carried = v2.lines.get()

    assert carried.carried_from == old
    event = AuditEvent.objects.get(verb="plan.line_carry")
    assert (event.target_id, event.actor, event.note) == (str(carried.pk), world.bob, "补充计划")
    assert event.after["carried_from_id"] == old.pk and event.after["plan_id"] == v2.pk
    assert set(carried.named_cadres.all()) == {world.cadre_a, world.cadre_a1}
    assert set(old.named_cadres.all()) == {world.cadre_a, world.cadre_a1}
    waiver = IndicatorWaiver.objects.get(line=carried)
    assert (waiver.reason, waiver.granted_by, waiver.granted_at) == (
        old.waiver.reason,
        staff.oscar,
        old.waiver.granted_at,
    )
    assert waiver.shortfalls == old.waiver.shortfalls

    client.force_login(world.bob)
    with translation.override("zh-hans"):
        page = client.get(f"/plans/{v2.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "点名调训（2）" in page


def test_the_new_versions_named_line_is_dispatched_with_its_cadres(world, staff, published):
    v2 = services.plan_new_version(actor=world.bob, plan=published, reason="补充计划")
    publish(world, staff, v2)
    carried = v2.lines.get()

    assert schedule.start_due_roll_calls(carried.dispatch_date) == 1
    carried.refresh_from_db()
    assert carried.roll_call_started_at is not None and carried.roll_call_refusal == ""
    named = set(
        Dispatch.objects.filter(training_class=carried.training_class).values_list(
            "cadre", flat=True
        )
    )
    assert named == {world.cadre_a.pk, world.cadre_a1.pk}
    rows = selectors.plan_vs_actual(world.city_od, v2.year)
    assert sum(r["planned"] for r in rows) == 2


def test_a_change_of_the_carried_curriculum_needs_a_new_waiver(world, published):
    v2 = services.plan_new_version(actor=world.bob, plan=published, reason="调整课程")
    carried = v2.lines.get()
    assert services.publish_refusals(v2) == []  # carried unchanged: nothing to refuse

    start = carried.start_date
    sessions = poor_sessions(start)
    sessions[0]["teacher"] = "己"
    fields = {
        "name": carried.name,
        "institution": carried.institution,
        "start_date": carried.start_date,
        "end_date": carried.end_date,
        "report_date": carried.report_date,
        "dispatch_date": carried.dispatch_date,
        "hours": carried.hours,
        "days": carried.days,
        "seats": carried.seats,
        "mode": carried.mode,
        "cadres": list(carried.named_cadres.all()),
        "sessions": sessions,
    }
    changed = services.line_change(actor=world.bob, line=carried, **fields)
    assert set(changed.named_cadres.all()) == {world.cadre_a, world.cadre_a1}
    assert not IndicatorWaiver.objects.filter(line=changed).exists()
    assert len(services.publish_refusals(v2)) == 1
    assert PlanLine.objects.get(pk=carried.pk).replaced_by == changed
