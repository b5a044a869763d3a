"""Dates read one way on every page (2026年11月27日 08:34), and the date pickers are
prefilled in ISO so that the browser shows them."""

import datetime as dt
import re

import pytest

from dispatch.models import Dispatch
from tests.flowtools import act, issue_roll_call, open_task, process_of, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def test_date_and_datetime_widgets_render_iso_values():
    from dispatch.forms import RollCallForm
    from org.forms import DelegationForm

    form = DelegationForm(
        initial={"starts_on": dt.date(2026, 10, 28)}, candidates=Dispatch.objects.none()
    )
    assert 'value="2026-10-28"' in str(form["starts_on"])
    form = RollCallForm(initial={"response_deadline": dt.datetime(2026, 10, 28, 9, 30)})
    assert 'value="2026-10-28T09:30"' in str(form["response_deadline"])


LONG_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
LONG_DATETIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")
OTHER_DATES = re.compile(r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b")


def visible(page: str) -> str:
    """The page's text outside tags, scripts and input values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def test_dates_read_the_same_on_the_home_inbox_and_approval_pages(world, staff, klass, client):
    from django.utils import formats

    assert formats.date_format(dt.date(2026, 11, 27), "SHORT_DATE_FORMAT") == "2026年11月27日"
    assert formats.date_format(dt.datetime(2026, 11, 27, 8, 34), "SHORT_DATETIME_FORMAT") == (
        "2026年11月27日 08:34"
    )
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    home = visible(client.get("/").content.decode())
    assert "办理期限" in home and LONG_DATETIME.search(home), home[-3000:]
    act(
        client,
        open_task(process, "confirm"),
        {"action": "request", "kind": "leave", "reason": "出差"},
    )
    client.force_login(world.alice)
    inbox = visible(client.get("/inbox/").content.decode())
    assert LONG_DATETIME.search(inbox)
    from approvals.models import ApprovalRequest

    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    task = open_task(approval, "head_review")
    client.post(task_url(task, "assign"))
    page = visible(client.get(task_url(task, "execute")).content.decode())
    assert LONG_DATETIME.search(page)
    for text in (home, inbox, page):
        assert not OTHER_DATES.search(text), OTHER_DATES.search(text).group(0)
