"""Changing and removing a plan's lines: on a draft or returned plan by its dispatcher
(the same checks as adding one, nothing deleted: a change replaces the line, a removal
marks it with its reason, both audited, and a removed line counts nowhere); in a new
version of a published plan, a carried line whose class has not been dispatched is
changed too and the change reaches the class at publication. A published plan's lines,
lines whose roll call started, outsiders (404) and heads (403) are refused, bad input
leaves nothing written."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from audit.models import AuditEvent
from dispatch.models import ClassSession, QuotaAllocation, RollCall, TrainingClass
from planning import schedule, selectors, services
from planning.documents import plan_context
from planning.models import PlanAllocation, PlanLine, PlanSession, PlanStatus
from tests.planning.helpers import dates, good_sessions, poor_sessions, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def fields_of(line, **changes) -> dict:
    """Everything `line_change` takes, as the line holds it, with `changes`."""
    fields = {
        "name": line.name,
        "institution": line.institution,
        "kind": line.kind,
        "start_date": line.start_date,
        "end_date": line.end_date,
        "report_date": line.report_date,
        "dispatch_date": line.dispatch_date,
        "hours": line.hours,
        "days": line.days,
        "seats": line.seats,
        "mode": line.mode,
        "location": line.location,
        "target_categories": line.target_categories,
        "allocations": [(a.unit, a.seats) for a in line.allocations.all()],
        "cadres": list(line.named_cadres.all()),
        "partner": line.partner,
        "partner_seats": line.partner_seats,
        "sessions": list(
            line.sessions.values(
                "date", "hours", "content", "method", "teacher", "by_leading_cadre", "title"
            )
        ),
    }
    fields.update(changes)
    return fields


def written():
    """What a refused write must leave as it was."""
    return (
        AuditEvent.objects.count(),
        PlanLine.objects.active().count(),
        PlanLine.objects.count(),
        PlanAllocation.objects.count(),
        PlanSession.objects.count(),
    )


def returned(world, staff, plan):
    services.plan_submit(actor=world.bob, plan=plan, deadline=timezone.now() + dt.timedelta(days=2))
    services.plan_decide(actor=staff.oscar, plan=plan, approve=False, reason="名额再议")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED
    return plan


def test_a_returned_plans_lines_are_changed_and_removed(client, world, staff, plan):
    line = quota_line(world, plan)
    other = quota_line(
        world, plan, days_ahead=80, name="专题班", seats=2, allocations=[(world.a1, 2)]
    )
    returned(world, staff, plan)

    changed = services.line_change(
        actor=world.bob,
        line=line,
        **fields_of(line, name="进修班（调整）", seats=5, allocations=[(world.a, 4), (world.b, 1)]),
    )
    line.refresh_from_db()
    assert line.removed_at and line.replaced_by == changed and changed.pk != line.pk
    assert (changed.name, changed.seats) == ("进修班（调整）", 5) and changed.changed_at
    assert dict(changed.allocations.values_list("unit", "seats")) == {world.a.pk: 4, world.b.pk: 1}
    assert sorted(changed.sessions.values_list("method", flat=True)) == sorted(
        line.sessions.values_list("method", flat=True)
    )
    assert list(line.allocations.values_list("seats", flat=True)) == [3, 1]  # kept as it was
    change_event = AuditEvent.objects.get(verb="plan.line_change")
    assert change_event.before["seats"] == 4 and change_event.after["seats"] == 5
    assert AuditEvent.objects.filter(verb="plan.line_replace", target_id=str(line.pk)).exists()

    with pytest.raises(ValidationError):
        services.line_remove(actor=world.bob, line=other, reason=" ")
    services.line_remove(actor=world.bob, line=other, reason="经研究取消")
    other.refresh_from_db()
    assert other.removed_at and other.removal_reason == "经研究取消"
    assert AuditEvent.objects.get(verb="plan.line_remove").note == "经研究取消"
    assert [x.pk for x in selectors.plan_lines(plan)] == [changed.pk]
    assert world.a1 not in services.consultee_units(plan)
    client.force_login(world.bob)
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "经研究取消" in page and "进修班（调整）" in page

    # Published: one class, of the changed line; the removed line counts nowhere.
    publish(world, staff, plan)
    assert list(TrainingClass.objects.values_list("name", "quota")) == [("进修班（调整）", 5)]
    other.refresh_from_db()
    assert other.training_class is None
    rows = selectors.plan_vs_actual(world.city_od, plan.year)
    assert {r["class"] for r in rows} == {"进修班（调整）"} and sum(r["planned"] for r in rows) == 5
    tables = [t for a in plan_context(plan).attachments for t in a.blocks]
    assert [r[1] for r in tables[0].rows] == ["进修班（调整）"]
    assert world.a1.name not in {r[1] for r in tables[1].rows}


def test_a_waiver_does_not_outlive_a_change_of_the_curriculum(world, staff, plan):
    start, _end = dates(60)
    line = quota_line(world, plan, sessions=poor_sessions(start))
    services.line_waive(actor=staff.oscar, line=line, reason="业务专题")
    assert services.publish_refusals(plan) == []
    later = poor_sessions(start + dt.timedelta(days=1))
    changed = services.line_change(actor=world.bob, line=line, **fields_of(line, sessions=later))
    assert len(services.publish_refusals(plan)) == 1
    services.line_waive(actor=staff.oscar, line=changed, reason="业务专题，已调整")
    with pytest.raises(ValidationError):
        services.line_waive(actor=staff.oscar, line=line, reason="旧班次")


def test_bad_input_is_refused_with_nothing_written(client, world, staff, plan):
    line = quota_line(world, plan)
    before = written()
    start, end = dates(60)
    for bad in (
        {"seats": 5},  # the seats per unit add up to 4
        {"start_date": end, "end_date": start},
        {"hours": 30},  # the sessions hold 40
        {"sessions": [{**good_sessions(start)[0], "date": end + dt.timedelta(days=1)}]},
        {"allocations": [(world.a, 3), (world.a, 1)]},
    ):
        with pytest.raises(ValidationError):
            services.line_change(actor=world.bob, line=line, **fields_of(line, **bad))
        assert written() == before
    client.force_login(world.bob)
    data = _form_data(client, line)
    response = client.post(f"/plans/lines/{line.pk}/change/", {**data, "seats": 9})
    assert response.status_code == 200 and "合计4个" in response.content.decode()
    assert written() == before
    assert client.post(f"/plans/lines/{line.pk}/remove/", {"reason": ""}).status_code == 200
    assert written() == before


def _form_data(client, line) -> dict:
    """The change page's form as the dispatcher finds it (prefilled), ready to post."""
    with translation.override("zh-hans"):
        response = client.get(f"/plans/lines/{line.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    data = {}
    for key, value in response.context["form"].initial.items():
        if value is None:
            continue
        data[key] = value.isoformat() if isinstance(value, dt.date) else value
    return data


def test_the_change_page_is_prefilled_and_changes_the_line(client, world, staff, plan):
    line = quota_line(world, plan)
    returned(world, staff, plan)
    client.force_login(world.bob)
    with translation.override("zh-hans"):
        page = client.get(f"/plans/lines/{line.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "进修班" in text and f"{world.a.code}: 3" in text
    assert "党性教育/案例教学" in text and "理论教育/研讨式、体验式互动教学" in text
    detail = client.get(f"/plans/{plan.pk}/").content.decode()
    assert f"/plans/lines/{line.pk}/change/" in detail
    assert f"/plans/lines/{line.pk}/remove/" in detail

    data = _form_data(client, line)
    data.update(seats=6, allocations=f"{world.a.code}: 5\n{world.b.code}: 1")
    with translation.override("zh-hans"):
        response = client.post(
            f"/plans/lines/{line.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    changed = PlanLine.objects.active().get()
    assert changed.seats == 6 and changed.replaces == line
    assert list(changed.sessions.values_list("content", "method")) == list(
        line.sessions.values_list("content", "method")
    )

    response = client.post(f"/plans/lines/{changed.pk}/remove/", {"reason": "并入下一期"})
    assert response.status_code == 302
    assert not PlanLine.objects.active().exists()
    assert PlanLine.objects.removed().get().removal_reason == "并入下一期"


def test_a_published_plans_lines_are_refused(client, world, staff, plan):
    line = quota_line(world, plan)
    publish(world, staff, plan)
    line.refresh_from_db()
    before = written()
    with pytest.raises(ValidationError):
        services.line_change(actor=world.bob, line=line, **fields_of(line, seats=4))
    with pytest.raises(ValidationError):
        services.line_remove(actor=world.bob, line=line, reason="取消")
    client.force_login(world.bob)
    for action in ("change", "remove"):
        url = f"/plans/lines/{line.pk}/{action}/"
        assert client.get(url).status_code == 302
        assert client.post(url, {"reason": "取消"}).status_code == 302
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert f"/plans/lines/{line.pk}/change/" not in page
    assert written() == before


def test_who_may_change_or_remove_a_line(client, world, staff, plan):
    line = quota_line(world, plan)
    before = written()
    urls = [f"/plans/lines/{line.pk}/change/", f"/plans/lines/{line.pk}/remove/"]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    for person, code in (
        (world.carol, 404),  # the county's dispatcher: not her plan
        (world.dave, 404),  # a trainee
        (staff.oscar, 403),  # the city's head: reads the plan, drafts nothing
    ):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == code, (person, url)
            assert client.post(url, {"reason": "取消", "seats": 1}).status_code == code
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "/change/" not in page  # no buttons for the head
    with pytest.raises(PermissionDenied):
        services.line_remove(actor=staff.oscar, line=line, reason="取消")
    assert written() == before


def test_a_change_in_a_new_version_reaches_the_class_at_publication(world, staff, plan):
    line = quota_line(world, plan)
    publish(world, staff, plan)
    line.refresh_from_db()
    klass = line.training_class
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="推迟一周并增加名额")
    carried = v2.lines.get()

    week = dt.timedelta(days=7)
    # a day longer: 44 hours are more than 5 days hold (8 a day)
    start, end = line.start_date + week, line.end_date + week + dt.timedelta(days=1)
    sessions = [{**s, "date": start} for s in good_sessions(start)]
    sessions += [
        {"date": end, "hours": 2, "content": "theory", "method": "interactive"},
        {"date": end, "hours": 2, "content": "party_spirit", "method": "case_teaching"},
    ]
    changed = services.line_change(
        actor=world.bob,
        line=carried,
        **fields_of(
            carried,
            start_date=start,
            end_date=end,
            report_date=start,
            dispatch_date=line.dispatch_date + week,
            hours=44,
            days=6,
            seats=5,
            allocations=[(world.a, 4), (world.b, 1)],
            sessions=sessions,
        ),
    )
    assert changed.training_class == klass and changed.carried_from == line

    # Published before the old version's dispatch date, the change is what starts.
    assert not RollCall.objects.exists()

    publish(world, staff, v2)
    plan.refresh_from_db()
    assert (plan.status, v2.status) == (PlanStatus.SUPERSEDED, PlanStatus.PUBLISHED)
    klass.refresh_from_db()
    assert (klass.start_date, klass.end_date, klass.quota, int(klass.credit_hours)) == (
        start,
        end,
        5,
        44,
    )
    assert TrainingClass.objects.count() == 1
    kept = list(klass.sessions.order_by("date", "id").values_list("date", "method", "hours"))
    assert len(kept) == 6 and {d for d, _m, _h in kept} == {start, end}
    assert [m for _d, m, _h in kept].count("interactive") == 2
    assert AuditEvent.objects.filter(verb="class.update", target_id=str(klass.pk)).exists()
    assert ClassSession.objects.filter(training_class=klass).count() == 6

    # Its roll call starts from the changed line, on the changed dispatch date.
    assert schedule.start_due_roll_calls(line.dispatch_date) == 0
    assert schedule.start_due_roll_calls(changed.dispatch_date) == 1
    assert dict(
        QuotaAllocation.objects.filter(roll_call__training_class=klass).values_list("unit", "seats")
    ) == {world.a.pk: 4, world.b.pk: 1}


def test_a_carried_line_whose_roll_call_started_is_refused(client, world, staff, plan):
    line = quota_line(world, plan)
    publish(world, staff, plan)
    line.refresh_from_db()
    assert schedule.start_due_roll_calls(line.dispatch_date) == 1
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="调整")
    carried = v2.lines.get()
    before = written()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.line_change(actor=world.bob, line=carried, **fields_of(carried, name="改名"))
    assert "已启动调训" in " ".join(caught.value.messages)
    with pytest.raises(ValidationError):
        services.line_remove(actor=world.bob, line=carried, reason="取消")
    client.force_login(world.bob)
    assert client.get(f"/plans/lines/{carried.pk}/change/").status_code == 302
    page = client.get(f"/plans/{v2.pk}/").content.decode()
    assert f"/plans/lines/{carried.pk}/change/" not in page
    assert written() == before


@pytest.mark.parametrize("rows", [1, 12])
def test_the_plan_page_with_its_buttons_stays_flat(
    client, world, plan, rows, django_assert_max_num_queries
):
    for i in range(rows):
        quota_line(world, plan, days_ahead=60 + i, name=f"第{i + 1}期")
    client.force_login(world.bob)
    # 18, the draft task's link (提交会商), the year's survey
    with django_assert_max_num_queries(20):
        response = client.get(f"/plans/{plan.pk}/")
    assert response.content.decode().count("/change/") == rows


def test_only_a_line_changed_in_a_later_version_is_marked_changed(client, world, staff, plan):
    """A first version has nothing to compare against: a line edited while it was a draft
    is not 本版已修改 once published; a carried line changed in version 2 is."""
    line = quota_line(world, plan)
    services.line_change(
        actor=world.bob,
        line=line,
        **fields_of(line, seats=5, allocations=[(world.a, 4), (world.b, 1)]),
    )
    publish(world, staff, plan)
    client.force_login(world.bob)
    assert "本版已修改" not in client.get(f"/plans/{plan.pk}/").content.decode()

    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="增加名额")
    carried = v2.lines.get()
    assert "本版已修改" not in client.get(f"/plans/{v2.pk}/").content.decode()
    services.line_change(
        actor=world.bob,
        line=carried,
        **fields_of(carried, seats=6, allocations=[(world.a, 5), (world.b, 1)]),
    )
    assert "本版已修改" in client.get(f"/plans/{v2.pk}/").content.decode()
