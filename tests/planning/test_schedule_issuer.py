"""Who issues a published line's roll call on its dispatch date: the plan's author while
they may; else another dispatcher of the department (the nearest, then the lowest pk);
and when nobody may, the line says why on the plan page, the department's dispatchers
and head are told once each, and the next day's run tries again."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.html import escape

from audit.models import AuditEvent
from dispatch.models import RollCall
from notifications.models import Event, Notification
from org import services as org_services
from planning import services
from planning.models import RollCallRefusal
from planning.publishing import plan_publish
from planning.schedule import start_due_roll_calls
from tests.factories import user
from tests.planning.helpers import accept_all, dates, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(world, staff):
    """A published line of the city's plan, drafted by Bob."""
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = quota_line(world, plan)
    publish(world, staff, plan)
    line.refresh_from_db()
    return line


def deactivate(person):
    get_user_model().objects.filter(pk=person.pk).update(is_active=False)


def escalations(line):
    return list(
        Notification.objects.filter(event=Event.ESCALATION, url=f"/plans/{line.plan_id}/")
        .order_by("recipient__username")
        .values_list("recipient__username", flat=True)
    )


def in_chinese(text) -> str:
    """`text` as the plan page shows it (zh-hans, HTML-escaped)."""
    with translation.override("zh-hans"):
        return escape(str(text))


def test_a_deactivated_authors_line_is_issued_by_another_dispatcher(world, line):
    dora = user("dora", "dispatcher", world.root)
    deactivate(world.bob)

    assert start_due_roll_calls(line.dispatch_date) == 1

    roll_call = RollCall.objects.get(training_class=line.training_class)
    assert roll_call.created_by == dora
    issued = AuditEvent.objects.get(verb="rollcall.issue", target_id=str(roll_call.pk))
    assert issued.actor == dora
    marked = AuditEvent.objects.get(verb="plan.line_dispatch", target_id=str(line.pk))
    assert marked.note == f"issuer:{dora.pk}"
    line.refresh_from_db()
    assert line.roll_call_started_at is not None and line.roll_call_refusal == ""


def test_an_author_who_lost_the_dispatcher_role_is_replaced_too(world, line):
    dora = user("dora", "dispatcher", world.root)
    org_services.role_revoke(actor=None, user=world.bob, role="dispatcher", unit=world.root)

    assert start_due_roll_calls(line.dispatch_date) == 1
    assert RollCall.objects.get().created_by == dora


def test_the_departments_own_dispatcher_comes_before_one_above_it(world, staff):
    """Carol drafted the county's plan and left; Bob (the city, lower pk) reaches the
    county too, but Cody, the county's other dispatcher, issues its roll call."""
    start, _end = dates(60)
    plan = services.plan_create(actor=world.carol, org_department=world.county_od, year=start.year)
    line = quota_line(world, plan, allocations=[(world.b, 4)])
    services.plan_submit(
        actor=world.carol, plan=plan, deadline=timezone.now() + dt.timedelta(days=2)
    )
    accept_all(plan)
    services.plan_decide(actor=staff.olga, plan=plan, approve=True)
    plan_publish(actor=staff.olga, plan=plan)
    cody = user("cody", "dispatcher", world.county)
    deactivate(world.carol)
    assert world.bob.pk < cody.pk

    assert start_due_roll_calls(line.dispatch_date) == 1
    assert RollCall.objects.get().created_by == cody


def test_with_no_dispatcher_left_the_line_says_so_and_the_head_hears_once(
    client, world, staff, line
):
    deactivate(world.bob)

    assert start_due_roll_calls(line.dispatch_date) == 0
    assert start_due_roll_calls(line.dispatch_date + dt.timedelta(days=1)) == 0

    assert not RollCall.objects.exists()
    line.refresh_from_db()
    assert line.roll_call_started_at is None
    assert line.roll_call_refusal == RollCallRefusal.NO_ISSUER
    refused = AuditEvent.objects.get(verb="plan.line_dispatch_refused", target_id=str(line.pk))
    assert refused.actor is None and refused.after["roll_call_refusal"] == "no_issuer"
    assert escalations(line) == ["oscar"]
    notice = Notification.objects.get(event=Event.ESCALATION, url=f"/plans/{line.plan_id}/")
    assert notice.title == f"调训未启动：{line.name}"
    assert "逾期" not in notice.title + notice.body and "开班前每天重试" in notice.body

    client.force_login(staff.oscar)
    page = client.get(f"/plans/{line.plan_id}/").content.decode()
    assert "调训未启动：" in page
    assert in_chinese(RollCallRefusal.NO_ISSUER.label) in page


def test_a_refused_line_is_tried_again_the_next_day(client, world, staff, line):
    deactivate(world.bob)
    assert start_due_roll_calls(line.dispatch_date) == 0
    dora = user("dora", "dispatcher", world.root)

    assert start_due_roll_calls(line.dispatch_date + dt.timedelta(days=1)) == 1

    assert RollCall.objects.get().created_by == dora
    line.refresh_from_db()
    assert line.roll_call_started_at is not None and line.roll_call_refusal == ""
    client.force_login(dora)
    page = client.get(f"/plans/{line.plan_id}/").content.decode()
    assert in_chinese("Roll call not started") not in page


def test_once_the_class_has_started_a_refused_line_is_no_longer_tried(world, line):
    deactivate(world.bob)
    assert start_due_roll_calls(line.dispatch_date) == 0
    user("dora", "dispatcher", world.root)

    assert start_due_roll_calls(line.training_class.start_date) == 0
    assert not RollCall.objects.exists()


def test_an_author_who_still_may_issues_the_roll_call_as_before(client, world, line):
    user("dora", "dispatcher", world.root)

    assert start_due_roll_calls(line.dispatch_date) == 1

    roll_call = RollCall.objects.get()
    assert roll_call.created_by == world.bob
    issued = AuditEvent.objects.get(verb="rollcall.issue", target_id=str(roll_call.pk))
    assert issued.actor == world.bob
    marked = AuditEvent.objects.get(verb="plan.line_dispatch", target_id=str(line.pk))
    assert marked.note == ""
    assert not AuditEvent.objects.filter(verb="plan.line_dispatch_refused").exists()
    assert escalations(line) == []
    client.force_login(world.bob)
    page = client.get(f"/plans/{line.plan_id}/").content.decode()
    assert in_chinese("Roll call not started") not in page
