"""The yearly dispatch plan end to end, through its pages, flows and services: drafted,
consulted (one consultation lapses), returned, waived, approved and published into
classes; a partner department nominates into its offered seats; on the dispatch date the
daily command starts the roll calls of the existing dispatch flows; plan against actual
reconciles with the dispatches. Outsiders are refused at every task and page."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from dispatch.models import ClassSession, Dispatch, QuotaAllocation, RollCall, TrainingClass
from notifications.models import IssuedDocument
from planning import selectors, services
from planning.models import Consultation, ConsultationStatus, PartnerNomination, Plan, PlanStatus
from tests.flowtools import fire_at, open_task, process_of
from tests.planning.helpers import (
    Partner,
    accept_all,
    act,
    dates,
    good_sessions,
    poor_sessions,
    session_lines,
    task_url,
)

pytestmark = pytest.mark.django_db


def _walk_to_consultation(client, world, partner):
    start, end = dates(60)
    client.force_login(world.bob)
    response = client.post(
        "/workflow/plan/start/",
        {"org_department": world.city_od.pk, "year": start.year, "title": "年度调训计划"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get()
    dispatch_on = timezone.localdate() + dt.timedelta(days=20)
    response = client.post(
        f"/plans/{plan.pk}/lines/add/",
        {
            "name": "处级干部进修班",
            "institution": world.school.pk,
            "kind": "main",
            "start_date": start,
            "end_date": end,
            "report_date": start,
            "dispatch_date": dispatch_on,
            "hours": "40",
            "days": 5,
            "seats": 5,
            "mode": "quota",
            "allocations": f"{world.a.code}: 3\n{world.b.code}: 1",
            "partner": partner.od.pk,
            "partner_seats": 1,
            "sessions": session_lines(good_sessions(start)),
            "target_categories": ["section_leader"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    named_line = services.line_add(
        actor=world.bob,
        plan=plan,
        name="专题研讨班",
        institution=world.school,
        start_date=start + dt.timedelta(days=10),
        end_date=start + dt.timedelta(days=14),
        dispatch_date=dispatch_on,
        hours=40,
        days=5,
        seats=2,
        mode="named",
        cadres=[world.cadre_a1],
        sessions=poor_sessions(start + dt.timedelta(days=10)),
    )
    process = process_of(plan, "PlanFlow")
    deadline = timezone.localtime() + dt.timedelta(days=3)
    response = act(
        client, open_task(process, "draft"), {"deadline": deadline.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    plan.refresh_from_db()
    return plan, process, named_line, deadline, dispatch_on


def test_the_plan_from_draft_to_roll_calls_on_the_dispatch_date(client, world, staff):
    partner = Partner()
    plan, process, named_line, deadline, dispatch_on = _walk_to_consultation(client, world, partner)
    assert plan.status == PlanStatus.CONSULTATION
    consultations = {c.unit_id: c for c in Consultation.objects.filter(plan=plan)}
    # The school, the units allotted seats, the unit of the cadre named, the partner.
    assert set(consultations) == {
        world.school_unit.pk,
        world.a.pk,
        world.a1.pk,
        world.b.pk,
        partner.od_unit.pk,
    }

    # 我的待办: A's head has the consultation, the city's head nothing yet.
    client.force_login(world.alice)
    assert "年度调训计划" in client.get("/tasks/").content.decode()
    client.force_login(world.charlie)
    assert "年度调训计划" in client.get("/tasks/").content.decode()  # B's own

    # The consultation tasks: A's head, the school's registrar; B's is left to lapse.
    a_process = process_of(consultations[world.a.pk], "ConsultationFlow")
    a_task = open_task(a_process, "answer")
    client.force_login(world.charlie)  # head of B: A's consultation is not his
    assert client.post(task_url(a_task, "assign")).status_code in (403, 404)
    client.force_login(world.alice)
    assert act(client, a_task, {"decision": "accept"}).status_code == 302
    a1_task = open_task(process_of(consultations[world.a1.pk], "ConsultationFlow"), "answer")
    assert act(client, a1_task, {"decision": "accept"}).status_code == 302
    client.force_login(partner.pete)  # the partner's dispatcher, outside the city
    partner_task = open_task(
        process_of(consultations[partner.od_unit.pk], "ConsultationFlow"), "answer"
    )
    assert act(client, partner_task, {"decision": "accept"}).status_code == 302
    school_task = open_task(
        process_of(consultations[world.school_unit.pk], "ConsultationFlow"), "answer"
    )
    client.force_login(world.rita)
    assert act(client, school_task, {"decision": "comment"}).status_code == 200  # no comment
    assert (
        act(client, school_task, {"decision": "comment", "reason": "建议增加现场教学"}).status_code
        == 302
    )

    # The head cannot approve while B's consultation is open before its deadline.
    client.force_login(staff.oscar)
    assert "年度调训计划" in client.get("/tasks/").content.decode()
    approval = open_task(process, "approval")
    response = act(client, approval, {"decision": "approve"})
    assert response.status_code == 200
    assert Plan.objects.get(pk=plan.pk).approved_by is None

    # The deadline passes: B's consultation lapses (no comment), the dispatchers hear.
    fire_at(deadline + dt.timedelta(minutes=1))
    fire_at(deadline + dt.timedelta(minutes=2))
    lapsed = Consultation.objects.get(pk=consultations[world.b.pk].pk)
    assert lapsed.status == ConsultationStatus.LAPSED
    assert AuditEvent.objects.filter(verb="plan.consultation_lapse").count() == 1

    # The named line misses the indicators: refused until the head waives it.
    response = act(client, approval, {"decision": "approve"})
    assert response.status_code == 200 and "专题研讨班" in response.content.decode()
    assert not TrainingClass.objects.exists()
    client.force_login(world.bob)  # a dispatcher may not waive
    assert client.post(f"/plans/lines/{named_line.pk}/waive/", {"reason": "x"}).status_code == 403
    client.force_login(staff.olga)  # the county's head: another jurisdiction's plan
    assert client.post(f"/plans/lines/{named_line.pk}/waive/", {"reason": "x"}).status_code == 404
    client.force_login(staff.oscar)
    response = client.post(f"/plans/lines/{named_line.pk}/waive/", {"reason": "专题班以研讨为主"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="plan.indicator_waive").count() == 1

    response = act(client, approval, {"decision": "approve"})
    assert response.status_code == 302, response.content.decode()[:3000]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.document_id
    assert IssuedDocument.objects.filter(pk=plan.document_id, kind="dispatch_plan").exists()
    classes = TrainingClass.objects.order_by("start_date")
    assert [c.quota for c in classes] == [5, 2]
    assert ClassSession.objects.filter(training_class=classes[0]).count() == 4
    assert not RollCall.objects.exists()  # not before the dispatch date
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"plan.create", "plan.line_add", "plan.submit", "plan.approve", "plan.publish"} <= verbs
    # Each line's event holds what was added with it: seats, cadres named, sessions.
    added = {
        event.after["mode"]: event.after
        for event in AuditEvent.objects.filter(verb="plan.line_add")
    }
    assert sorted(map(tuple, added["quota"]["allocations"])) == sorted(
        [(world.a.pk, 3), (world.b.pk, 1)]
    )
    assert added["named"]["named_cadres"] == [world.cadre_a1.pk]
    assert len(added["quota"]["sessions"]) == 4

    # The partner nominates into its seat; only its own dispatchers, its own cadres.
    line = plan.lines.get(mode="quota")
    client.force_login(world.carol)
    assert client.post(f"/plans/lines/{line.pk}/nominate/", {"cadres": "赵州"}).status_code == 404
    with pytest.raises(ValidationError):
        services.partner_nominate(actor=partner.pete, line=line, cadres=[world.cadre_b])
    with pytest.raises(PermissionDenied):
        services.partner_nominate(actor=world.bob, line=line, cadres=[partner.cadre])
    client.force_login(partner.pete)
    response = client.post(f"/plans/lines/{line.pk}/nominate/", {"cadres": "赵州\n钱州"})
    assert response.status_code == 200  # one seat only
    assert not PartnerNomination.objects.exists()
    response = client.post(f"/plans/lines/{line.pk}/nominate/", {"cadres": "赵州"})
    assert response.status_code == 302
    assert PartnerNomination.objects.get().cadre == partner.cadre

    # The day before the dispatch date nothing starts; on it, the roll calls do.
    fire_at(
        timezone.make_aware(dt.datetime.combine(dispatch_on - dt.timedelta(days=1), dt.time(6))),
        "start_plan_roll_calls",
    )
    assert not RollCall.objects.exists()
    fire_at(
        timezone.make_aware(dt.datetime.combine(dispatch_on, dt.time(6))), "start_plan_roll_calls"
    )
    quota_class, named_class = classes
    assert RollCall.objects.filter(training_class=quota_class).count() == 2  # + the partner's
    assert dict(
        QuotaAllocation.objects.filter(roll_call__training_class=quota_class).values_list(
            "unit", "seats"
        )
    ) == {world.a.pk: 3, world.b.pk: 1}
    assert process_of(
        QuotaAllocation.objects.get(unit=world.a, roll_call__training_class=quota_class),
        "NominationFlow",
    )
    assert set(Dispatch.objects.values_list("cadre", flat=True)) == {
        partner.cadre.pk,
        world.cadre_a1.pk,
    }
    assert process_of(Dispatch.objects.get(cadre=world.cadre_a1), "DispatchFlow")
    # Deadlines fall at the close of business, a week on (not at the minute of the run).
    week_on = timezone.make_aware(
        dt.datetime.combine(dispatch_on + dt.timedelta(days=7), dt.time(18))
    )
    deadlines = {r.response_deadline for r in RollCall.objects.all()}
    deadlines |= set(Dispatch.objects.values_list("confirm_due", flat=True))
    assert deadlines == {week_on}
    # Run again: nothing more.
    fire_at(
        timezone.make_aware(dt.datetime.combine(dispatch_on, dt.time(7))), "start_plan_roll_calls"
    )
    assert RollCall.objects.count() == 3

    # Plan against actual reconciles with the dispatches.
    rows = selectors.plan_vs_actual(world.city_od, plan.year)
    by_key = {(r["class_id"], r["unit"]): r for r in rows}
    assert by_key[(quota_class.pk, world.a.name)]["planned"] == 3
    assert by_key[(quota_class.pk, partner.od_unit.name)]["named"] == 1
    assert by_key[(named_class.pk, world.a1.name)] == {
        **by_key[(named_class.pk, world.a1.name)],
        "planned": 1,
        "named": 1,
        "attended": 0,
        "gap": 1,
    }
    assert sum(r["named"] for r in rows) == Dispatch.objects.count()
    assert sum(r["planned"] for r in rows) == 5 + 1


def test_returned_plan_goes_back_to_draft_and_a_new_version_keeps_what_ran(client, world, staff):
    partner = Partner()
    plan, process, named_line, deadline, dispatch_on = _walk_to_consultation(client, world, partner)
    client.force_login(staff.oscar)
    approval = open_task(process, "approval")
    assert act(client, approval, {"decision": "return"}).status_code == 200  # needs a reason
    assert act(client, approval, {"decision": "return", "reason": "名额再议"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED
    assert not Consultation.objects.filter(status=ConsultationStatus.OPEN).exists()
    assert open_task(process, "draft") is not None

    # Drop the poor line's problem by a waiver, resubmit, everyone answers, publish.
    services.line_waive(actor=staff.oscar, line=named_line, reason="研讨为主")
    client.force_login(world.bob)
    later = timezone.localtime() + dt.timedelta(days=2)
    act(client, open_task(process, "draft"), {"deadline": later.strftime("%Y-%m-%dT%H:%M")})
    accept_all(plan)
    client.force_login(staff.oscar)
    assert act(client, open_task(process, "approval"), {"decision": "approve"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    fire_at(
        timezone.make_aware(dt.datetime.combine(dispatch_on, dt.time(6))), "start_plan_roll_calls"
    )
    assert RollCall.objects.count() == 2

    # A change: a new version with its reason; what ran is kept, nothing created twice.
    client.force_login(world.bob)
    assert client.post(f"/plans/{plan.pk}/new-version/", {"reason": ""}).status_code == 200
    response = client.post(f"/plans/{plan.pk}/new-version/", {"reason": "增设一期"})
    assert response.status_code == 302
    v2 = Plan.objects.get(version=2)
    assert v2.previous == plan and v2.change_reason == "增设一期"
    v2_process = process_of(v2, "PlanFlow")
    start, end = dates(90)
    services.line_add(
        actor=world.bob,
        plan=v2,
        name="新增班",
        institution=world.school,
        start_date=start,
        end_date=end,
        hours=40,
        days=5,
        seats=1,
        mode="named",
        cadres=[world.cadre_a],
        sessions=good_sessions(start),
    )
    act(client, open_task(v2_process, "draft"), {"deadline": later.strftime("%Y-%m-%dT%H:%M")})
    assert set(v2.consultations.values_list("unit", flat=True)) == {
        world.school_unit.pk,
        world.a.pk,  # the new line's cadre's unit
    }
    accept_all(v2)
    client.force_login(staff.oscar)
    assert (
        act(client, open_task(v2_process, "approval"), {"decision": "approve"}).status_code == 302
    )
    plan.refresh_from_db()
    v2.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED and v2.status == PlanStatus.PUBLISHED
    assert TrainingClass.objects.count() == 3
    assert v2.lines.filter(roll_call_started_at__isnull=False).count() == 2
    response = client.get(f"/plans/{v2.pk}/")
    assert "增设一期" in response.content.decode()
    # The carried lines' roll calls do not start again.
    fire_at(
        timezone.make_aware(dt.datetime.combine(dispatch_on, dt.time(8))), "start_plan_roll_calls"
    )
    assert RollCall.objects.count() == 2
