"""Filing (报备): returned for correction, then accepted with hours credited; its forms
(dates prefilled, a reason required beside the field) and its kanban."""

import re
from decimal import Decimal

from audit.models import AuditEvent
from dispatch.models import Filing, FilingStatus
from ledger.models import HourKind, HourRecord
from tests.factories import user
from tests.flowtools import Staff, act, filing_data, open_task, process_of, task_url


def test_a_filing_returned_then_accepted(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)
    response = client.post("/workflow/filing/start/", filing_data(world))
    assert response.status_code == 302, response.content.decode()[-2000:]
    filing = Filing.objects.get()
    process = process_of(filing, "FilingFlow")

    client.force_login(world.bob)
    act(client, open_task(process, "review"), {"decision": "returned", "reason": "请附培训日程"})
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED

    client.force_login(staff.lily)
    response = act(
        client,
        open_task(process, "correct"),
        filing_data(world, title="发改系统业务能力提升培训（附日程）"),
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED

    client.force_login(world.bob)
    act(client, open_task(process, "review"), {"decision": "accepted"})
    filing.refresh_from_db()
    assert filing.status == FilingStatus.ACCEPTED
    assert HourRecord.objects.filter(source="filing").count() == 2
    assert HourRecord.objects.get(cadre=world.cadre_a).hours == 24
    # Credited as concentrated training (注1 of the indicators table).
    assert set(HourRecord.objects.values_list("kind", flat=True)) == {HourKind.CONCENTRATED}
    process.refresh_from_db()
    assert process.status == "DONE"

    # Every step is in the audit trail, in order, with the reviewer's reason.
    steps = AuditEvent.objects.filter(target_id=str(filing.pk), verb__startswith="filing.")
    assert list(steps.order_by("pk").values_list("verb", "actor__username")) == [
        ("filing.submit", "lily"),
        ("filing.returned", "bob"),
        ("filing.correct", "lily"),
        ("filing.accepted", "bob"),
    ]
    assert steps.get(verb="filing.returned").note == "请附培训日程"
    assert AuditEvent.objects.filter(verb="hours.credit", actor=world.bob).count() == 2


def test_a_filing_with_impossible_hours_is_refused(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)
    response = client.post("/workflow/filing/start/", filing_data(world, hours="100"))
    assert response.status_code == 200
    assert not Filing.objects.exists()


def test_a_liaison_cannot_file_for_another_unit(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)
    response = client.post(
        "/workflow/filing/start/",
        filing_data(world, unit=world.b.pk, participants=[world.cadre_b.pk]),
    )
    assert response.status_code == 200
    assert not Filing.objects.exists()


def test_a_rejected_filing_credits_nothing(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)
    client.post("/workflow/filing/start/", filing_data(world))
    process = process_of(Filing.objects.get(), "FilingFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "review"), {"decision": "rejected", "reason": "非组织调训范围"})
    assert Filing.objects.get().status == FilingStatus.REJECTED
    assert not HourRecord.objects.exists()
    assert AuditEvent.objects.get(verb="filing.rejected").note == "非组织调训范围"
    assert not AuditEvent.objects.filter(verb="hours.credit").exists()


def test_outsiders_are_refused_at_the_filing_review(world, client):
    from tests.flowtools import task_url

    staff = Staff(world)
    client.force_login(staff.lily)
    client.post("/workflow/filing/start/", filing_data(world))
    process = process_of(Filing.objects.get(), "FilingFlow")
    task = open_task(process, "review")
    # Unit A's head and liaison see the filing but may not review it: 403. Outside unit A
    # the filing is out of reach: 404, on the task and on the process page alike.
    for outsider in (world.alice, staff.lily):
        client.force_login(outsider)
        assert client.post(task_url(task, "assign")).status_code == 403
    for outsider in (world.carol, staff.luke, world.nobody):
        client.force_login(outsider)
        assert client.post(task_url(task, "assign")).status_code == 404
        assert client.get(f"/workflow/filing/{process.pk}/").status_code == 404
    assert Filing.objects.get().status == FilingStatus.SUBMITTED


def input_value(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def test_the_filing_correction_form_shows_its_dates_in_the_pickers(world, staff, client):
    client.force_login(staff.lily)
    assert client.post("/workflow/filing/start/", filing_data(world)).status_code == 302
    filing = Filing.objects.get()
    process = process_of(filing, "FilingFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "review"), {"decision": "returned", "reason": "请附日程"})
    client.force_login(staff.lily)
    task = open_task(process, "correct")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert input_value(page, "start_date") == filing.start_date.isoformat()
    assert input_value(page, "end_date") == filing.end_date.isoformat()
    assert 'type="date"' in page


def accepted_filing(client, world, staff, title, weeks_before=0):
    """A filing of `title` accepted: the three-day course of `filing_data`, held
    `weeks_before` weeks earlier (the same days would credit the same training twice)."""
    import datetime as dt

    client.force_login(staff.lily)
    start = dt.date.today() - dt.timedelta(days=10, weeks=weeks_before)
    data = filing_data(world, title=title, start_date=start, end_date=start + dt.timedelta(days=2))
    assert client.post("/workflow/filing/start/", data).status_code == 302
    filing = Filing.objects.get(title=title)
    client.force_login(world.bob)
    act(client, open_task(process_of(filing, "FilingFlow"), "review"), {"decision": "accepted"})
    return filing


def test_the_kanban_names_closed_processes_by_subject_at_a_flat_cost(
    world, staff, client, django_assert_max_num_queries
):
    accepted_filing(client, world, staff, "第一期业务培训")
    client.force_login(world.bob)
    client.get("/")  # the messages the filings' tasks left are shown (and gone) first
    with django_assert_max_num_queries(80) as captured:
        page = client.get("/workflow/filing/").content.decode()
    before = len(captured)
    assert "已办结" in page and "完成时间" not in page
    closed = page[page.index("已办结") :]
    assert "第一期业务培训" in closed and "已结束" not in closed
    assert "办结时间" in closed
    for n in range(2, 8):
        accepted_filing(client, world, staff, f"第{n}期业务培训", weeks_before=n)
    client.force_login(world.bob)
    client.get("/")
    with django_assert_max_num_queries(before):
        page = client.get("/workflow/filing/").content.decode()
    assert "第7期业务培训" in page[page.index("已办结") :]


def test_a_return_or_rejection_without_a_reason_is_refused_beside_the_reason(world, staff, client):
    client.force_login(staff.lily)
    assert client.post("/workflow/filing/start/", filing_data(world)).status_code == 302
    filing = Filing.objects.get()
    process = process_of(filing, "FilingFlow")
    task = open_task(process, "review")
    client.force_login(world.bob)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert "选择“退回修改”、“不同意”时必填" in page, page[-3000:]
    for decision in ("returned", "rejected"):
        response = client.post(task_url(task, "execute"), {"decision": decision, "reason": " "})
        page = response.content.decode()
        assert response.status_code == 200
        reason = page[page.index('name="reason"') - 600 : page.index('name="reason"')]
        assert "请说明理由" in reason, reason
    filing.refresh_from_db()
    assert filing.status == "submitted"
    # The labels end in the full-width colon of Chinese text.
    assert "理由：</label>" in page and "理由:</label>" not in page


# The days a filing credits, and filings of training not yet taken.


def test_a_filing_credits_the_days_its_hours_fill_not_its_whole_date_range(world, staff, client):
    import datetime as dt

    from ledger import compliance

    end = dt.date.today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=29)  # thirty days
    month = accepted_filing_of(client, world, staff, start, end, "8", "月内一天的讲座")
    record = HourRecord.objects.get(cadre=world.cadre_a, source_key__startswith="filing:")
    assert (record.hours, record.days) == (8, 1)  # was 30 days for 8 hours
    # A civil servant's concentrated training (90 hours or 12 days a year) is not met
    # with 8 hours, as it was with thirty days.
    row = compliance.for_cadre(world.cadre_a, end)
    concentrated = next(r for r in row["rules"] if r["kind"] == "concentrated")
    assert concentrated["days"] == 1 and concentrated["status"] != "met"

    # 150 hours over twenty days: 18.8 days at 8 hours a day; 24 hours over three days
    # (the filing's full eight hours a day): all three. Each before the last, as the same
    # days cannot be credited twice.
    last = start - dt.timedelta(days=1)
    for hours, span, days in (("150", 20, "18.8"), ("24", 3, "3")):
        first = last - dt.timedelta(days=span - 1)
        filing = accepted_filing_of(client, world, staff, first, last, hours, f"{hours}学时培训")
        credited = HourRecord.objects.get(source_key=f"filing:{filing.pk}:{world.cadre_a.pk}")
        assert credited.days == Decimal(days), (hours, credited.days)
        last = first - dt.timedelta(days=1)
    assert month.status == FilingStatus.ACCEPTED


def accepted_filing_of(client, world, staff, start, end, hours, title):
    client.force_login(staff.lily)
    data = filing_data(world, title=title, start_date=start, end_date=end, hours=hours)
    response = client.post("/workflow/filing/start/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    filing = Filing.objects.get(title=title)
    client.force_login(world.bob)
    act(client, open_task(process_of(filing, "FilingFlow"), "review"), {"decision": "accepted"})
    filing.refresh_from_db()
    return filing


def test_a_filing_of_training_not_yet_ended_is_refused(world, staff, client):
    import datetime as dt

    today = dt.date.today()
    client.force_login(staff.lily)
    future = filing_data(
        world,
        start_date=today + dt.timedelta(days=80),
        end_date=today + dt.timedelta(days=99),
        hours="150",
    )
    page = client.post("/workflow/filing/start/", future).content.decode()
    # The import's and the recognition's refusal, beside the end date.
    assert not Filing.objects.exists()
    end_date = page[page.index('name="end_date"') - 600 : page.index('name="end_date"')]
    assert "日期晚于今天" in end_date, end_date
    # Ending today is taken.
    today_data = filing_data(world, start_date=today - dt.timedelta(days=2), end_date=today)
    assert client.post("/workflow/filing/start/", today_data).status_code == 302

    # A correction cannot move it into the future either.
    filing = Filing.objects.get()
    process = process_of(filing, "FilingFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "review"), {"decision": "returned", "reason": "日期有误"})
    client.force_login(staff.lily)
    response = act(client, open_task(process, "correct"), future)
    assert response.status_code == 200 and "日期晚于今天" in response.content.decode()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED and filing.end_date == today


def test_a_filing_submitted_with_a_future_end_is_not_accepted_before_it_ends(world, staff):
    import datetime as dt

    import pytest
    from django.core.exceptions import ValidationError

    from dispatch.services.filing import filing_review, filing_submit

    today = dt.date.today()
    filing = filing_submit(
        actor=staff.lily,
        unit=world.a,
        title="发改业务培训",
        organizer_name="某市发展和改革委员会",
        start_date=today - dt.timedelta(days=2),
        end_date=today,
        hours="24",
        participants=[world.cadre_a],
    )
    # As one filed before the end date was checked.
    Filing.objects.filter(pk=filing.pk).update(end_date=today + dt.timedelta(days=10))
    with pytest.raises(ValidationError) as refused:
        filing_review(actor=world.bob, filing=filing, decision=FilingStatus.ACCEPTED)
    assert "decision" in refused.value.message_dict
    assert not HourRecord.objects.exists()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED
    # Returned for correction, it may be: that credits nothing.
    filing_review(
        actor=world.bob, filing=filing, decision=FilingStatus.RETURNED, comment="尚未结束"
    )
    assert not HourRecord.objects.exists()


def test_a_liaison_of_one_unit_finds_it_chosen_on_the_form(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)  # A and its 综合科: the liaison chooses
    page = client.get("/workflow/filing/start/").content.decode()
    assert re.search(r'<option value="" selected>', page)
    client.force_login(user("lena", "unit_liaison", world.a1))  # 综合科 alone
    page = client.get("/workflow/filing/start/").content.decode()
    assert re.search(rf'<option value="{world.a1.pk}" selected>', page)
