"""Bad input to a plan, each refused with nothing written; the published plan's official
document read back (text, the classes' table in 附件1, fonts)."""

import datetime as dt
import io
import re

import pdfplumber
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from dispatch.models import Institution
from notifications.documents.context import Table
from notifications.documents.render import _table
from planning import services
from planning.documents import issue_plan_document, plan_context
from planning.models import Plan, PlanLine, PlanStatus
from planning.publishing import plan_publish
from tests.planning.helpers import Partner, accept_all, dates, good_sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def _line(world, plan, **extra):
    start, end = dates(60)
    fields = {
        "name": "进修班",
        "institution": world.school,
        "start_date": start,
        "end_date": end,
        "hours": 40,
        "days": 5,
        "seats": 4,
        "mode": "quota",
        "allocations": [(world.a, 3), (world.b, 1)],
    }
    fields.update(extra)
    fields.setdefault("sessions", good_sessions(fields["start_date"]))
    return services.line_add(actor=world.bob, plan=plan, **fields)


def _refused(world, plan, **extra):
    lines, events = PlanLine.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        _line(world, plan, **extra)
    assert PlanLine.objects.count() == lines and AuditEvent.objects.count() == events
    return " ".join(caught.value.messages)


def test_a_line_over_the_institutions_capacity_is_refused(world, plan):
    Institution.objects.filter(pk=world.school.pk).update(capacity=6)
    world.school.refresh_from_db()
    _line(world, plan)
    start, end = dates(62)  # overlaps the first
    message = _refused(
        world, plan, start_date=start, end_date=end, seats=3, allocations=[(world.a, 3)]
    )
    assert "容纳6人" in message
    later, later_end = dates(80)  # after it: fits
    _line(world, plan, start_date=later, end_date=later_end, seats=3, allocations=[(world.a, 3)])


def test_seats_per_unit_must_add_up_to_the_class(world, plan):
    assert "合计4个" in _refused(world, plan, seats=5)
    _refused(world, plan, allocations=[(world.a, 4), (world.a, 0)])


def test_reversed_dates_are_refused(world, plan):
    start, end = dates(60)
    assert "结束" in _refused(world, plan, start_date=end, end_date=start)
    _refused(world, plan, report_date=start + dt.timedelta(days=1))
    _refused(world, plan, dispatch_date=start)
    _refused(world, plan, dispatch_date=timezone.localdate() - dt.timedelta(days=1))


def test_a_line_the_class_rules_would_refuse_is_refused_before_publishing(world, plan):
    """A published line becomes a class: a date beyond a class's bounds is refused."""
    message = _refused(world, plan, end_date=dt.date(9999, 12, 31), days=5)
    assert "9999-12-31" in message and "3" in message


def test_sessions_beyond_the_hours_and_partners_inside_the_jurisdiction(world, plan):
    start, _end = dates(60)
    assert "超过" in _refused(world, plan, hours=30, sessions=good_sessions(start))
    # The county is inside the city's jurisdiction: not a partner of 对口支援.
    _refused(world, plan, partner=world.county_od, partner_seats=1, allocations=[(world.a, 3)])


@pytest.mark.parametrize("hours", ["abc", "-4", "0"])
def test_a_session_without_hours_is_named_by_its_number(world, plan, hours):
    start, _end = dates(60)
    sessions = good_sessions(start)
    sessions[2]["hours"] = hours
    assert "第3门课程须填写学时" in _refused(world, plan, sessions=sessions)
    sessions = good_sessions(start)
    sessions[1]["date"] = start - dt.timedelta(days=1)
    assert "第2门课程不在班次的培训时间内" in _refused(world, plan, sessions=sessions)


def test_the_published_plan_document_reads_back(world, staff, plan):
    partner = Partner()
    _line(world, plan, seats=5, partner=partner.od, partner_seats=1)
    services.plan_submit(actor=world.bob, plan=plan, deadline=timezone.now() + dt.timedelta(days=2))
    accept_all(plan)
    services.plan_decide(actor=staff.oscar, plan=plan, approve=True)
    plan_publish(actor=staff.oscar, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    document = issue_plan_document(plan, actor=staff.oscar)
    with document.file.open("rb") as f:
        pdf = pdfplumber.open(io.BytesIO(f.read()))
    text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "关于印发" in text and "附件1" in text.replace(" ", "")
    assert "进修班" in text and partner.od_unit.name in text
    # 调训方式 in a document's words, not the page's (各单位名额); the class's dates
    # broken at their dash only, never inside a date (10月12 / 日—11 / 月25日)
    [classes] = [b for b in plan_context(plan).attachments[0].blocks if isinstance(b, Table)]
    assert classes.rows[0][-1] == "按名额分配"
    dates = _table(classes)["rows"][0][3]
    assert "<br>" not in dates or re.fullmatch(r"\d+月\d+日—<br>\d+月\d+日", dates), dates
    assert document.document_number.startswith("X组通")
    fonts = {ch["fontname"].split("+")[-1] for page in pdf.pages for ch in page.chars}
    assert any("FandolFang" in f or "Fang" in f for f in fonts), fonts
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.PUBLISHED
