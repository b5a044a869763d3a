"""Driving Viewflow tasks through HTTP, as a person in the browser would."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from tests.factories import user

FLOW_APPS = {
    "DispatchFlow": "dispatch",
    "RollCallFlow": "rollcall",
    "NominationFlow": "nomination",
    "ApprovalFlow": "approval",
    "FilingFlow": "filing",
    "MakeupFlow": "makeup",
    "RecognitionFlow": "recognition",
    "CircularFlow": "circular",
}


def process_of(obj, flow_name=None):
    qs = Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(obj), artifact_object_id=obj.pk
    )
    if flow_name:
        qs = qs.filter(flow_class__endswith=flow_name)
    return qs.get()


def open_task(process, node):
    return Task.objects.filter(
        process=process,
        flow_task__endswith=f".{node}",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).get()


def task_url(task, action=""):
    app = FLOW_APPS[
        type(task.flow_task.flow_class).__name__ if False else task.flow_task.flow_class.__name__
    ]
    node = task.flow_task.name
    suffix = f"{action}/" if action else ""
    return f"/workflow/{app}/{task.process_id}/{node}/{task.pk}/{suffix}"


def act(client, task, data):
    """Claim the task if needed, then execute it with `data`; return the POST response."""
    task.refresh_from_db()
    if task.status == STATUS.NEW:
        response = client.post(task_url(task, "assign"))
        assert response.status_code == 302, (response.status_code, task_url(task, "assign"))
    return client.post(task_url(task, "execute"), data)


def deadline(days=10):
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


class Staff:
    """The remaining roles around the test world: liaisons and org department heads."""

    def __init__(self, world):
        self.lily = user("lily", "unit_liaison", world.a)  # liaison of A
        self.luke = user("luke", "unit_liaison", world.b)  # liaison of B
        self.oscar = user("oscar", "org_head", world.root)  # city org department head
        self.olga = user("olga", "org_head", world.county)  # county org department head
