"""The planning tests' world: the test world plus a department outside the city (the
partner of 对口支援) with a dispatcher and a cadre, and a sessions list that meets the
teaching indicators."""

import datetime as dt

from django.utils import timezone
from viewflow.workflow.status import STATUS

from dispatch.models import TeachingIndicatorRule
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


def satisfiable_rules():
    """The seeded defaults ask theory+party spirit ≥ 70 %, case ≥ 15 % and interactive
    ≥ 20 % of exclusive contents (105 %); the tests lower case teaching to 10 %."""
    TeachingIndicatorRule.objects.filter(measure="case_teaching").update(min_percent=10)


def good_sessions(start, hours=40):
    """A 40-hour curriculum meeting every indicator (with case teaching at 10 %)."""
    return [
        {
            "date": start,
            "hours": 10,
            "content": "party_spirit",
            "teacher": "甲",
            "by_leading_cadre": True,
        },
        {"date": start, "hours": 18, "content": "theory", "teacher": "乙"},
        {"date": start, "hours": 4, "content": "case_teaching", "teacher": "丙"},
        {"date": start, "hours": 8, "content": "interactive", "teacher": "丁"},
    ]


def poor_sessions(start):
    return [{"date": start, "hours": 40, "content": "professional", "teacher": "戊"}]


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
