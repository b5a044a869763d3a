"""会商 asks every unit the plan gives seats to: the institutions, the units allotted
seats, the units of the cadres a named line names, and the partner department offered
seats (对口支援), each once. The partner's dispatcher, outside the plan's jurisdiction,
finds the consultation in 我的待办 and answers it — and reaches nothing else of the plan."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from notifications.models import Event, Notification
from planning import services
from planning.models import ConsultationStatus
from tests.factories import cadre
from tests.flowtools import open_task, process_of
from tests.planning.helpers import Partner, act, dates, good_sessions, plan_in_flow, task_url
from workflow.runtime import complete_task

pytestmark = pytest.mark.django_db


def _draft(world, partner):
    """A plan in its flow: a named line with two cadres of 综合科 (A1) and a quota line
    of A and B offering the partner two seats."""
    start, end = dates(60)
    plan = plan_in_flow(world, start.year)
    second_a1 = cadre("周晓明", world.a1, world.city_od)
    common = {
        "institution": world.school,
        "start_date": start,
        "end_date": end,
        "dispatch_date": timezone.localdate() + dt.timedelta(days=20),
        "hours": 40,
        "days": 5,
        "sessions": good_sessions(start),
    }
    services.line_add(
        actor=world.bob,
        plan=plan,
        name="综合业务专题班",
        seats=2,
        mode="named",
        cadres=[world.cadre_a1, second_a1],
        **common,
    )
    services.line_add(
        actor=world.bob,
        plan=plan,
        name="对口支援进修班",
        seats=6,
        mode="quota",
        allocations=[(world.a, 3), (world.b, 1)],
        partner=partner.od,
        partner_seats=2,
        **common,
    )
    return plan


def _submit(world, plan):
    process = process_of(plan, "PlanFlow")
    deadline = timezone.now() + dt.timedelta(days=3)
    complete_task(
        open_task(process, "draft"),
        world.bob,
        lambda: services.plan_submit(actor=world.bob, plan=plan, deadline=deadline),
    )
    plan.refresh_from_db()
    return process


def test_named_cadres_units_and_the_partner_are_consulted_once_each(world):
    partner = Partner()
    plan = _draft(world, partner)
    assert services.consultee_units(plan) == sorted(
        [world.school_unit, world.a, world.a1, world.b, partner.od_unit], key=lambda u: u.path
    )
    _submit(world, plan)
    units = list(plan.consultations.values_list("unit", flat=True))
    assert sorted(units) == sorted(
        u.pk for u in (world.school_unit, world.a, world.a1, world.b, partner.od_unit)
    )
    # Each consultation has its flow, its task scoped to the consultee's unit.
    task = open_task(process_of(plan.consultations.get(unit=partner.od_unit)), "answer")
    assert task.owner_permission == "org.issue_dispatch"
    assert str(task.owner_permission_obj_pk) == str(partner.od_unit.pk)
    a1_task = open_task(process_of(plan.consultations.get(unit=world.a1)), "answer")
    assert a1_task.owner_permission == "org.approve_as_head"


def test_the_partners_dispatcher_answers_from_my_tasks_and_reaches_nothing_else(
    client, world, staff
):
    partner = Partner()
    plan = _draft(world, partner)
    process = _submit(world, plan)
    mine = plan.consultations.get(unit=partner.od_unit)
    task = open_task(process_of(mine), "answer")
    a_task = open_task(process_of(plan.consultations.get(unit=world.a)), "answer")

    client.force_login(world.bob)  # the plan's own dispatcher opens its process
    assert client.get(f"/workflow/plan/{process.pk}/").status_code == 200
    client.force_login(partner.pete)
    due = timezone.localtime(mine.due)
    for page in ("/", "/tasks/"):
        body = client.get(page).content.decode()
        assert task_url(task, "assign") in body, page
        assert task_url(a_task, "assign") not in body, page
    # 我的待办 names the consultation's deadline (办理期限), not —.
    assert f"{due.year}年{due.month}月{due.day}日" in body
    # The task page shows the partner's own part of the plan, nothing else.
    assert client.post(task_url(task, "assign")).status_code == 302
    body = client.get(task_url(task, "execute")).content.decode()
    assert "对口支援进修班" in body and "综合业务专题班" not in body
    assert "意见" in body and ">理由" not in body  # an opinion is asked, not a reason
    # Nothing else of the plan: its page, its process, other units' consultations.
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    assert client.get(f"/workflow/plan/{process.pk}/").status_code == 404
    assert client.post(task_url(a_task, "assign")).status_code == 404
    with pytest.raises(PermissionDenied):
        services.consultation_answer(
            actor=partner.pete, consultation=plan.consultations.get(unit=world.a), accept=True
        )

    assert act(client, task, {"decision": "comment", "reason": "名额请增至3个"}).status_code == 302
    mine.refresh_from_db()
    assert mine.status == ConsultationStatus.COMMENTED and mine.answered_by == partner.pete
    assert mine.comment == "名额请增至3个"
    # The organization department head reads the partner's comment on the approval.
    client.force_login(staff.oscar)
    approval = open_task(process, "approval")
    assert client.post(task_url(approval, "assign")).status_code == 302
    page = client.get(task_url(approval, "execute")).content.decode()
    assert "名额请增至3个" in page
    assert f"会商：{partner.od_unit.name}" in page  # a full-width colon, as the pages write


@pytest.mark.parametrize("who", ["bob", "carol", "alice", "charlie"])
def test_nobody_else_answers_the_partners_consultation(client, world, who):
    partner = Partner()
    plan = _draft(world, partner)
    _submit(world, plan)
    consultation = plan.consultations.get(unit=partner.od_unit)
    task = open_task(process_of(consultation), "answer")
    outsider = getattr(world, who)
    with pytest.raises(PermissionDenied):
        services.consultation_answer(actor=outsider, consultation=consultation, accept=True)
    client.force_login(outsider)
    assert task_url(task, "assign") not in client.get("/tasks/").content.decode()
    assert client.post(task_url(task, "assign")).status_code in (403, 404)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.OPEN


def test_the_reminder_sends_each_consultee_to_my_tasks(world):
    partner = Partner()
    plan = _draft(world, partner)
    _submit(world, plan)
    services.consultations_remind(consultation=plan.consultations.get(unit=partner.od_unit))
    reminder = Notification.objects.get(event=Event.REMINDER, recipient=partner.pete)
    assert reminder.url == "/tasks/"  # the plan's page is not the partner's
