"""The demo's yearly dispatch plan: 青山县委组织部 drafts its plan for next year (2027
when seeded in 2026) — three classes, one offering seats to 临河县委组织部 (对口支援:
the other county, outside 青山's jurisdiction) — the institutions and units are consulted
(one comments), the head waives the teaching indicators for the one class whose
curriculum misses them (the others meet them, their case and interactive teaching counted
by method) and approves; the plan is published (classes, sessions, its document), and
临河's dispatcher nominates two of 临河's cadres into the offered seats. The roll calls
start on each class's dispatch date (`manage.py start_plan_roll_calls`)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.deadlines import close_of_business
from dispatch.models import Institution
from org.models import Cadre, OrgDepartment, Unit
from planning import services
from planning.flows import ConsultationFlow, PlanFlow
from planning.models import LineMode, Plan
from workflow.runtime import complete_task, open_task, processes_of, start_process_as


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def _sessions(start, hours, *, poor=False):
    """A curriculum filling `hours`: theory and party spirit, part of it taught by cases
    and interactively, so it meets every default teaching indicator (70 % theory and
    party spirit, 20 % party spirit, 15 % case, 20 % interactive, 20 % leading cadres);
    or (poor) mostly professional courses, all lectures."""
    h = hours / 40
    if poor:
        parts = [
            ("theory", 12, False, "lecture"),
            ("professional", 24, False, "lecture"),
            ("party_spirit", 4, False, "lecture"),
        ]
    else:
        parts = [
            ("party_spirit", 10, True, "lecture"),
            ("party_spirit", 6, False, "case_teaching"),
            ("theory", 8, False, "interactive"),
            ("theory", 16, False, "lecture"),
        ]
    titles = {
        ("party_spirit", "lecture"): "党性教育专题",
        ("party_spirit", "case_teaching"): "案例教学：基层党建",
        ("theory", "interactive"): "现场教学：乡村振兴",
        ("theory", "lecture"): "习近平新时代中国特色社会主义思想专题",
        ("professional", "lecture"): "业务知识讲座",
    }
    return [
        {
            "date": start + dt.timedelta(days=i),
            "hours": round(n * h, 1),
            "content": content,
            "method": method,
            "teacher": "县委书记" if leading else "党校教师",
            "by_leading_cadre": leading,
            "title": titles[(content, method)],
        }
        for i, (content, n, leading, method) in enumerate(parts)
    ]


def _answerer(unit):
    if hasattr(unit, "institution"):
        return _user(f"{unit.code}.registrar")
    if hasattr(unit, "org_department"):  # the partner offered seats: its dispatcher
        return _user(f"{unit.org_department.jurisdiction.code}.dispatcher")
    return _user(f"{unit.code}.head")


def run(today: dt.date) -> bool:
    department = OrgDepartment.objects.filter(unit__code="qs-zzb").first()
    partner = OrgDepartment.objects.filter(unit__code="lh-zzb").first()
    dispatcher, head = _user("qs.dispatcher"), _user("qs.orghead")
    if None in (department, partner, dispatcher, head):
        return False
    if Plan.objects.filter(org_department=department).exists():
        return False
    base = today + dt.timedelta(days=100)
    year = base.year
    school = Institution.objects.get(unit__code="xx-dx")
    college = Institution.objects.filter(unit__code="xx-gbxy").first() or school
    units = {
        u.code: u for u in Unit.objects.filter(code__in=["qs-xz1", "qs-xz2", "qs-gaj", "qs-jyj"])
    }

    plan = start_process_as(
        PlanFlow.start,
        dispatcher,
        lambda: services.plan_create(
            actor=dispatcher,
            org_department=department,
            year=year,
            title=f"青山县{year}年度干部调训计划",
        ),
    )

    def day(offset):
        return min(base + dt.timedelta(days=offset), dt.date(year, 12, 20))

    services.line_add(
        actor=dispatcher,
        plan=plan,
        name=f"青山县{year}年科级干部进修班",
        institution=school,
        start_date=day(0),
        end_date=day(4),
        hours=40,
        days=5,
        seats=10,
        mode=LineMode.QUOTA,
        target_categories=["section_leader"],
        allocations=[(units["qs-xz1"], 3), (units["qs-xz2"], 3), (units["qs-gaj"], 2)],
        partner=partner,
        partner_seats=2,
        sessions=_sessions(day(0), 40),
    )
    young = list(Cadre.objects.filter(unit__code__in=["qs-jyj", "qs-gaj"]).order_by("id")[3:6])
    waived = services.line_add(
        actor=dispatcher,
        plan=plan,
        name=f"青山县{year}年年轻干部业务能力专题班",
        institution=college,
        start_date=day(30),
        end_date=day(32),
        hours=24,
        days=3,
        seats=len(young),
        mode=LineMode.NAMED,
        cadres=young,
        sessions=_sessions(day(30), 24, poor=True),
    )
    services.line_add(
        actor=dispatcher,
        plan=plan,
        name=f"青山县{year}年乡镇党委书记培训班",
        institution=school,
        start_date=day(60),
        end_date=day(64),
        hours=40,
        days=5,
        seats=4,
        mode=LineMode.QUOTA,
        allocations=[(units["qs-xz1"], 2), (units["qs-xz2"], 2)],
        sessions=_sessions(day(60), 40),
    )

    process = processes_of(plan, PlanFlow).get()
    deadline = close_of_business(timezone.localdate() + dt.timedelta(days=7))
    complete_task(
        open_task(process, "draft"),
        dispatcher,
        lambda: services.plan_submit(actor=dispatcher, plan=plan, deadline=deadline),
    )
    for index, consultation in enumerate(plan.consultations.select_related("unit")):
        user = _answerer(consultation.unit)
        if user is None:
            continue
        comment = "建议增加乡村振兴现场教学" if index == 0 else ""
        complete_task(
            open_task(processes_of(consultation, ConsultationFlow).get(), "answer"),
            user,
            lambda c=consultation, u=user, text=comment: services.consultation_answer(
                actor=u, consultation=c, accept=not text, comment=text
            ),
        )
    # The one class under the teaching indicators, waived with its reason; the others
    # meet them (their case and interactive sessions count by method).
    services.line_waive(actor=head, line=waived, reason="专题班以业务能力提升为主，经研究同意豁免")
    approval = open_task(process, "approval")
    if approval is not None and not services.consultation_open(plan):
        complete_task(
            approval,
            head,
            lambda: services.plan_decide(actor=head, plan=plan, approve=True),
        )
    plan.refresh_from_db()

    partner_dispatcher = _user("lh.dispatcher")
    offered = plan.lines.filter(partner=partner, training_class__isnull=False).first()
    if partner_dispatcher is not None and offered is not None:
        nominees = list(Cadre.objects.filter(unit__code="lh-xz1").order_by("id")[3:5])
        services.partner_nominate(actor=partner_dispatcher, line=offered, cadres=nominees)
    return True
