"""Planned sessions carry their teaching method (lecture, case, interactive), as class
sessions do: with the seeded default indicators (theory and party spirit ≥ 70 %, case
≥ 15 %, interactive ≥ 20 %, which exclusive contents can never all meet) a curriculum of
theory and party spirit taught partly by cases and interactively is published without a
waiver, and its methods reach the class; the same curriculum without methods is refused.
The line form reads the method after the content and a slash, and still reads input
without one."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from audit.models import AuditEvent
from dispatch.models import ClassSession, TeachingIndicatorRule
from planning import policy, services
from planning.models import IndicatorWaiver, PlanLine, PlanSession, PlanStatus
from tests.planning.helpers import dates, good_sessions, publish, quota_line, session_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def test_the_seeded_indicators_are_the_2023_2027_defaults(world):
    rules = dict(TeachingIndicatorRule.objects.values_list("measure", "min_percent"))
    assert {m: int(p) for m, p in rules.items()} == {
        "theory_party_spirit": 70,
        "party_spirit": 20,
        "case_teaching": 15,
        "interactive": 20,
        "leading_cadres": 20,
    }


def test_a_line_meeting_the_indicators_by_method_is_published_without_a_waiver(world, staff, plan):
    line = quota_line(world, plan)
    assert services.publish_refusals(plan) == []
    publish(world, staff, plan)
    assert plan.status == PlanStatus.PUBLISHED
    assert not IndicatorWaiver.objects.exists()
    line.refresh_from_db()
    methods = list(
        ClassSession.objects.filter(training_class=line.training_class)
        .order_by("date", "id")
        .values_list("content", "method", "hours")
    )
    assert [(c, m, int(h)) for c, m, h in methods] == [
        ("party_spirit", "lecture", 10),
        ("party_spirit", "case_teaching", 6),
        ("theory", "interactive", 8),
        ("theory", "lecture", 16),
    ]


def test_the_same_curriculum_without_methods_is_refused_publication(world, staff, plan):
    start, _end = dates(60)
    quota_line(world, plan, sessions=good_sessions(start, methods=False))
    problems = services.publish_refusals(plan)
    assert len(problems) == 1 and "进修班" in problems[0]
    with pytest.raises(ValidationError):
        publish(world, staff, plan)
    plan.refresh_from_db()
    assert plan.approved_by is None and not ClassSession.objects.exists()


def test_a_new_version_keeps_the_methods(world, staff, plan):
    quota_line(world, plan)
    publish(world, staff, plan)
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="调整")
    carried = v2.lines.get()
    assert sorted(carried.sessions.values_list("method", flat=True)) == [
        "case_teaching",
        "interactive",
        "lecture",
        "lecture",
    ]


def _post(client, plan, world, sessions_text):
    start, end = dates(60)
    with translation.override("zh-hans"):
        return client.post(
            f"/plans/{plan.pk}/lines/add/",
            {
                "name": "方式班",
                "institution": world.school.pk,
                "kind": "main",
                "start_date": start,
                "end_date": end,
                "hours": "40",
                "days": 5,
                "seats": 3,
                "mode": "quota",
                "allocations": f"{world.a.code}: 3",
                "sessions": sessions_text,
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )


def test_the_form_reads_the_method_by_code_or_chinese_label(client, world, plan):
    start, _end = dates(60)
    day = start.isoformat()
    text = "\n".join(
        [
            f"{day}, 10, 党性教育, 甲, 1, 党章党规",
            f"{day}，6，党性教育/案例教学，丙，0，基层党建案例，第一讲",
            f"{day}, 8, theory/interactive, 丁, 0",
            f"{day}, 16, 理论教育／讲授, 乙, 0, 专题辅导",
        ]
    )
    client.force_login(world.bob)
    response = _post(client, plan, world, text)
    assert response.status_code == 302, response.content.decode()[:2000]
    rows = list(
        PlanSession.objects.order_by("id").values_list("content", "method", "title", "teacher")
    )
    assert rows == [
        ("party_spirit", "lecture", "党章党规", "甲"),
        ("party_spirit", "case_teaching", "基层党建案例，第一讲", "丙"),
        ("theory", "interactive", "理论教育", "丁"),
        ("theory", "lecture", "专题辅导", "乙"),
    ]
    assert not policy.line_shortfalls(PlanLine.objects.get())


def test_the_form_still_reads_sessions_without_a_method(client, world, plan):
    start, _end = dates(60)
    client.force_login(world.bob)
    text = session_lines(good_sessions(start, methods=False))
    assert _post(client, plan, world, text).status_code == 302
    assert set(PlanSession.objects.values_list("method", flat=True)) == {"lecture"}


def test_an_unknown_method_is_refused_with_nothing_written(client, world, plan):
    start, _end = dates(60)
    client.force_login(world.bob)
    events = AuditEvent.objects.count()
    response = _post(client, plan, world, f"{start.isoformat()}, 4, 党性教育/座谈, 甲, 0")
    assert response.status_code == 200
    assert not PlanLine.objects.exists() and AuditEvent.objects.count() == events
    with pytest.raises(ValidationError):
        quota_line(world, plan, sessions=[{**good_sessions(start)[0], "method": "seminar"}])
    assert not PlanLine.objects.exists()


def test_the_form_documents_the_method(client, world, plan):
    client.force_login(world.bob)
    page = client.get(f"/plans/{plan.pk}/lines/add/").content.decode()
    assert "party spirit/case teaching" in page or "党性教育/案例教学" in page
