"""The approval panel's 以往调训 (the cadre's training history shown to the head deciding a
leave, deferral or exemption request) used to list the very class being decided, marked
申请审批中. The request is about that dispatch: the panel leaves it out and lists the rest."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.translation import gettext

from approvals.models import ApprovalRequest
from dispatch.approval_panel import cadre_panel
from tests.factories import attended
from tests.flowtools import named, open_task, process_of, request, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40, quota=100)


def panel_of(client, person, approval_process) -> str:
    task = open_task(approval_process, "head_review")
    client.force_login(person)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    return page.split('class="vf-card__body xd-approval-cadre"', 1)[1].split("</section>", 1)[0]


def history(panel: str) -> str:
    """The panel's table of past dispatches ('' when it has none)."""
    found = re.search(r'<table class="[^"]*xd-approval-dispatches.*?</table>', panel, re.S)
    return found.group(0) if found else ""


@pytest.mark.parametrize("kind", ["leave", "deferral", "exemption"])
def test_the_panel_lists_the_cadres_other_classes_not_the_one_being_decided(
    world, staff, klass, client, kind
):
    dispatch, process = named(client, world, klass, world.cadre_a)
    earlier = attended(world, world.cadre_a, klass.start_date - dt.timedelta(days=200))
    request(client, staff.lily, process, kind)
    approval = ApprovalRequest.objects.get()
    assert approval.subject == dispatch  # the request is about this dispatch

    panel = panel_of(client, world.alice, process_of(approval, "ApprovalFlow"))
    past = history(panel)
    assert earlier.name in past
    assert klass.name not in past
    assert "申请审批中" not in past


def test_with_no_other_class_the_panel_says_there_is_none(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    panel = panel_of(client, world.alice, process_of(ApprovalRequest.objects.get(), "ApprovalFlow"))
    assert not history(panel)
    with translation.override("zh-hans"):
        assert gettext("No other dispatch.") in panel  # not 尚无调训记录: it has this one
    assert klass.name not in panel.split("以往调训", 1)[1]


def test_a_request_about_something_else_lists_every_dispatch(world, staff, klass, client):
    """A request whose subject is not a dispatch (an hour recognition, say) hides none of
    the cadre's dispatches."""
    dispatch, _process = named(client, world, klass, world.cadre_a)
    earlier = attended(world, world.cadre_a, klass.start_date - dt.timedelta(days=200))
    about_hours = SimpleNamespace(
        cadre_id=world.cadre_a.pk, subject_type_id=0, subject_id=dispatch.pk
    )
    listed = cadre_panel(about_hours, world.bob)["dispatches"]
    assert {d.training_class_id for d in listed} == {klass.pk, earlier.pk}
