"""A task form sent back with errors says so at the top of the page: an error summary
(role="alert", focused on load by xundiao/site.js) listing each error as a link to its
field — on the approval decision, whose form sits below the request's facts and panels,
on the circular's approval below its figures, and on every task page built on
workflow/_task_form_body.html. A form shown without errors has none."""

import datetime as dt
import re
from html import escape

import pytest
from django.utils import translation
from django.utils.translation import gettext

from approvals.models import ApprovalRequest
from tests.flowtools import (
    act,
    circular_start,
    named,
    nomination_head_task,
    open_task,
    process_of,
    request,
    task_url,
)

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def zh(msgid: str, **values) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid) % values if values else gettext(msgid)


def summary_of(page: str) -> str:
    """The error summary's HTML, which must come before everything else of the form."""
    match = re.search(r'<section [^>]*id="xd-error-summary"[^>]*>.*?</section>', page, re.S)
    assert match, "no error summary on the page"
    assert page.count('id="xd-error-summary"') == 1
    return match.group(0)


def assert_summary(page: str, *, field_id: str, error: str, before: str) -> None:
    """The page's summary is an alert, focusable, ahead of `before`, and links `error` to
    the field `field_id`, which the page has."""
    summary = summary_of(page)
    opening = summary.split(">", 1)[0]
    assert 'role="alert"' in opening and 'tabindex="-1"' in opening
    assert escape(zh("Not submitted: please correct the following.")) in summary
    assert re.search(rf'<a href="#{field_id}">[^<]*{re.escape(escape(error))}</a>', summary), (
        summary
    )
    assert f'id="{field_id}"' in page
    assert page.index('id="xd-error-summary"') < page.index(before)


def test_a_refused_approval_decision_says_so_at_the_top(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    task = open_task(approval, "head_review")
    client.force_login(world.alice)
    client.post(task_url(task, "assign"))
    assert 'id="xd-error-summary"' not in client.get(task_url(task, "execute")).content.decode()

    response = client.post(task_url(task, "execute"), {"decision": "rejected", "comment": ""})
    assert response.status_code == 200
    page = response.content.decode()
    error = zh("Please give the reason for “%(choice)s”.", choice=zh("Reject"))
    # Ahead of the request's facts, its panels and the jump to the decision.
    assert_summary(page, field_id="id_comment", error=error, before='class="xd-jump"')
    assert page.index('id="xd-error-summary"') < page.index('id="xd-decision"')
    # The error stays beside the comment box too.
    assert page.count(escape(error)) == 2


def test_a_decision_without_its_choice_links_the_choice(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    task = open_task(process_of(ApprovalRequest.objects.get(), "ApprovalFlow"), "head_review")
    client.force_login(world.alice)
    page = act(client, task, {"comment": "不同意"}).content.decode()
    with translation.override("zh-hans"):
        required = str(gettext("This field is required."))
    assert_summary(page, field_id="id_decision", error=required, before='id="xd-decision"')


def test_a_returned_nomination_without_a_reason_says_so_at_the_top(world, staff, klass, client):
    task = nomination_head_task(client, world, staff, klass)
    client.force_login(world.alice)
    response = act(client, task, {"decision": "return", "reason": ""})
    assert response.status_code == 200
    page = response.content.decode()
    error = zh("Please give the reason for “%(choice)s”.", choice=zh("Return to the liaison"))
    # Ahead of the nomination's details (workflow/_task_form_body.html).
    assert_summary(page, field_id="id_reason", error=error, before='class="xd-details-table"')


def test_a_returned_circular_without_a_reason_says_so_above_its_figures(
    world, staff, klass, client
):
    from circulars.models import Circular

    today = dt.date.today()
    response = circular_start(client, world, today.replace(day=1), today)
    assert response.status_code == 302, response.content.decode()[-2000:]
    circular = Circular.objects.latest("id")
    process = process_of(circular, "CircularFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "draft"), {"title": circular.title, "body": ""})
    client.force_login(staff.oscar)
    task = open_task(process, "approval")
    response = act(client, task, {"decision": "return", "reason": ""})
    assert response.status_code == 200
    page = response.content.decode()
    summary = summary_of(page)
    link = re.search(r'<a href="#(id_\w+)">', summary)
    assert link, summary
    assert f'id="{link.group(1)}"' in page
    assert page.index('id="xd-error-summary"') < page.index('class="vf-form"')
    # Above the circular's figures too, not only above its form.
    assert page.index('id="xd-error-summary"') < page.index("<table")


def test_the_script_focuses_the_summary_and_its_links_fields():
    from django.contrib.staticfiles import finders

    with open(finders.find("xundiao/site.js"), encoding="utf-8") as handle:
        script = handle.read()
    assert 'getElementById("xd-error-summary")' in script and "summary.focus()" in script
    assert ".xd-error-summary a[href^='#']" in script


def test_a_roll_call_sent_back_says_so_at_the_top(world, klass, client):
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {"training_class": klass.pk, "mode": "named", "response_deadline": ""},
    )
    assert response.status_code == 200
    page = response.content.decode()
    summary = summary_of(page)
    assert re.search(r'<a href="#id_\w+">', summary), summary
    assert page.index('id="xd-error-summary"') < page.index('class="vf-form xd-rollcall"')


def test_a_circular_draft_sent_back_says_so_above_its_figures(world, staff, klass, client):
    from circulars.models import Circular

    today = dt.date.today()
    assert circular_start(client, world, today.replace(day=1), today).status_code == 302
    process = process_of(Circular.objects.latest("id"), "CircularFlow")
    client.force_login(world.bob)
    response = act(client, open_task(process, "draft"), {"title": "", "body": ""})
    assert response.status_code == 200
    page = response.content.decode()
    summary_of(page)
    assert page.index('id="xd-error-summary"') < page.index("<table")
