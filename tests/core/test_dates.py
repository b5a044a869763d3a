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


def test_the_training_record_gives_every_date_in_words(world, staff, klass, client):
    """/cadres/<id>/record/: the class, makeup, filing and recognized hours of 王堃 each
    print their dates as 2026年10月26日 in the line's text (全市专题培训班（…至…，…）)."""
    from decimal import Decimal

    from dispatch.models import Filing, Makeup
    from ledger.models import HourRecord

    issue_roll_call(client, world, klass, [world.cadre_a])
    dispatch = Dispatch.objects.get()
    Makeup.objects.create(
        cadre=world.cadre_a, source=dispatch, reason="absence", due_date=dt.date(2027, 3, 1)
    )
    filing = Filing.objects.create(
        unit=world.a,
        title="发改业务培训",
        organizer_name="某市发展和改革委员会",
        start_date=dt.date(2026, 5, 11),
        end_date=dt.date(2026, 5, 13),
        hours=Decimal("24"),
        filed_by=staff.lily,
    )
    filing.participants.add(world.cadre_a)
    HourRecord.objects.create(
        cadre=world.cadre_a,
        date=dt.date(2026, 4, 7),
        hours=Decimal("12"),
        kind="concentrated",
        source="recognition",
        source_key="test:recognition",
        status="pending",
        note="省委党校",
    )
    HourRecord.objects.create(
        cadre=world.cadre_a,
        date=dt.date(2026, 4, 8),
        hours=Decimal("3.5"),
        kind="online",
        source="online_import",
        source_key="test:online",
        status="recognized",
    )
    client.force_login(world.bob)
    page = visible(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    start, end = (f"{d.year}年{d.month}月{d.day}日" for d in (klass.start_date, klass.end_date))
    assert f"全市专题培训班（{start}至{end}，" in page, page[-3000:]
    for words in ("2027年3月1日", "2026年5月11日至2026年5月13日", "2026年4月7日"):
        assert words in page, words
    assert not OTHER_DATES.search(page), OTHER_DATES.search(page).group(0)
