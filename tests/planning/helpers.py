"""The planning tests' world: the test world plus a department outside the city (the
partner of 对口支援) with a dispatcher and a cadre, and a sessions list that meets the
default teaching indicators by its teaching methods."""

import datetime as dt

from django.utils import timezone
from viewflow.workflow.status import STATUS

from org.models import OrgDepartment, UnitKind
from tests.factories import cadre, unit, user

APPS = {"PlanFlow": "plan", "ConsultationFlow": "consultation"}


class Partner:
    def __init__(self):
        self.root = unit("中共某州委", kind=UnitKind.PARTY_ORGAN)
        self.od_unit = unit("中共某州委组织部", self.root, kind=UnitKind.ORG_DEPARTMENT)
        self.od = OrgDepartment.objects.create(
            unit=self.od_unit, jurisdiction=self.root, issuer_code="州组通"
        )
        self.unit = unit("某州教育局", self.root)
        self.cadre = cadre("赵州", self.unit, self.od)
        self.cadre2 = cadre("钱州", self.unit, self.od, male=False)
        self.pete = user("pete", "dispatcher", self.root)


def good_sessions(start, hours=40, *, methods=True):
    """A 40-hour curriculum meeting every default indicator (theory and party spirit
    ≥ 70 %, party spirit ≥ 20 %, case ≥ 15 %, interactive ≥ 20 %, leading cadres ≥ 20 %)
    only through the teaching methods: every session is theory or party spirit, 6 hours
    of them taught by cases and 8 interactively. Without the methods (`methods=False`)
    it has no case or interactive teaching at all."""
    sessions = [
        {
            "date": start,
            "hours": 10,
            "content": "party_spirit",
            "teacher": "甲",
            "by_leading_cadre": True,
        },
        {"date": start, "hours": 6, "content": "party_spirit", "teacher": "丙"},
        {"date": start, "hours": 8, "content": "theory", "teacher": "丁"},
        {"date": start, "hours": 16, "content": "theory", "teacher": "乙"},
    ]
    if methods:
        sessions[1]["method"] = "case_teaching"
        sessions[2]["method"] = "interactive"
    return sessions


def poor_sessions(start):
    return [{"date": start, "hours": 40, "content": "professional", "teacher": "戊"}]


def session_lines(sessions) -> str:
    """Sessions as the plan line form's text: one
    `date, hours, content[/method], teacher, 0|1` a line."""
    return "\n".join(
        f"{s['date'].isoformat()}, {s['hours']}, "
        f"{s['content']}{'/' + s['method'] if s.get('method') else ''}, {s['teacher']}, "
        f"{1 if s.get('by_leading_cadre') else 0}"
        for s in sessions
    )


def dates(days_ahead=60):
    start = timezone.localdate() + dt.timedelta(days=days_ahead)
    return start, start + dt.timedelta(days=4)


def task_url(task, action=""):
    app = APPS[task.flow_task.flow_class.__name__]
    suffix = f"{action}/" if action else ""
    return f"/workflow/{app}/{task.process_id}/{task.flow_task.name}/{task.pk}/{suffix}"


def act(client, task, data):
    task.refresh_from_db()
    if task.status == STATUS.NEW:
        response = client.post(task_url(task, "assign"))
        assert response.status_code == 302, (response.status_code, task_url(task, "assign"))
    return client.post(task_url(task, "execute"), data)


def quota_line(world, plan, days_ahead=60, **extra):
    """A 40-hour class of unit A (3 seats) and B (1) at the school, through the service."""
    from planning import services

    start, end = dates(days_ahead)
    fields = {
        "name": "进修班",
        "institution": world.school,
        "start_date": start,
        "end_date": end,
        "dispatch_date": timezone.localdate() + dt.timedelta(days=20),
        "hours": 40,
        "days": 5,
        "seats": 4,
        "mode": "quota",
        "allocations": [(world.a, 3), (world.b, 1)],
    }
    fields.update(extra)
    fields.setdefault("sessions", good_sessions(fields["start_date"]))
    return services.line_add(actor=world.bob, plan=plan, **fields)


def consultee(consultation):
    """Someone who answers the consultation: the institution's registrar, the unit's
    head, the partner department's dispatcher."""
    from org.selectors import users_reaching
    from planning.policy import consultation_permission

    unit = consultation.unit
    return users_reaching(unit, consultation_permission(unit)).order_by("pk").first()


def accept_all(plan):
    """Every open consultation of the plan accepted by its consultee."""
    from planning import services

    for consultation in plan.consultations.filter(status="open").select_related("unit"):
        services.consultation_answer(
            actor=consultee(consultation), consultation=consultation, accept=True
        )


def publish(world, staff, plan):
    """Submit the plan, every consultee accepts, the city's head approves and publishes."""
    from planning import services
    from planning.publishing import plan_publish

    services.plan_submit(actor=world.bob, plan=plan, deadline=timezone.now() + dt.timedelta(days=2))
    accept_all(plan)
    services.plan_decide(actor=staff.oscar, plan=plan, approve=True)
    plan_publish(actor=staff.oscar, plan=plan)
    plan.refresh_from_db()
    return plan


def form_data(line, **changes) -> dict:
    """The line's change form as `planning.forms.line_initial` fills it, with `changes`,
    as a browser would post it."""
    from planning.forms import line_initial

    data = {}
    for key, value in {**line_initial(line), **changes}.items():
        if value is None:
            value = ""
        elif isinstance(value, dt.date):
            value = value.isoformat()
        data[key] = value if isinstance(value, list) else str(value)
    return data


def plan_in_flow(world, year=None):
    """The city dispatcher's new plan (for the year of `dates()` unless told), in its
    PlanFlow: drafted by the flow's own draft task."""
    from planning import services
    from planning.flows import PlanFlow
    from workflow.runtime import start_process_as

    year = year or dates(60)[0].year
    return start_process_as(
        PlanFlow.start,
        world.bob,
        lambda: services.plan_create(actor=world.bob, org_department=world.city_od, year=year),
    )
