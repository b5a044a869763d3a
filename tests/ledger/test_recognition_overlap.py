"""A day of a class or a filing credited to a cadre is that training's, whatever hours a
recognition request asks for: a cadre credited 308.6 hours of a 360-hour class (less
leave) is not recognized 360 hours from the same school for a day of it — refused when
asked for and again when approved. Other days, and online hours, still pass."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from approvals import policy as approval_policy
from approvals import services as approval_services
from approvals.models import ApprovalRequest, Decision
from approvals.policy import HEAD_STAGE
from dispatch.models import Dispatch
from dispatch.services.dispatching import attendance_record
from dispatch.services.filing import filing_review, filing_submit
from ledger import services as ledger_services
from ledger.models import HourRecord
from tests.factories import training_class
from tests.flowtools import process_of, recognition_post


def _start():
    """Read when asked, not when the module is collected: a run may pass midnight."""
    return dt.date.today() - dt.timedelta(days=60)


SCHOOL = "中共某市委党校"
CLASS_NAME = "全市中青年干部培训班"


@pytest.fixture
def course(world):
    """360 hours over 45 days, ended 16 days ago (30 days ago is one of its days)."""
    return training_class(
        world.city_od, world.school, _start(), days=45, credit_hours=360, name=CLASS_NAME
    )


def attended(world, person, course, leave="51.4"):
    """`person` attended `course` on leave for `leave` hours: 360 − 51.4 = 308.6 credited."""
    dispatch = Dispatch.objects.create(
        training_class=course,
        cadre=person,
        unit=person.unit,
        status="acknowledged",
        confirm_due=timezone.now(),
    )
    attendance_record(
        actor=world.rita, dispatch=dispatch, result="present", leave_hours=Decimal(leave)
    )
    return HourRecord.objects.get(source_key=f"dispatch:{dispatch.pk}")


def ask(staff, person, day, hours="360", kind="concentrated", provider=SCHOOL) -> HourRecord:
    return ledger_services.recognition_submit(
        actor=staff.lily,
        cadre=person,
        date=day,
        hours=hours,
        kind=kind,
        provider=provider,
        reason="参加党校主体班",
    )


def recognized_hours(person) -> Decimal:
    total = HourRecord.objects.filter(cadre=person, status="recognized").aggregate(s=Sum("hours"))
    return total["s"] or Decimal(0)


def test_other_hours_for_a_day_of_an_attended_class_are_refused(world, staff, course):
    credited = attended(world, world.cadre_a, course)
    assert credited.hours == Decimal("308.6")
    for day in (course.start_date, _start() + dt.timedelta(days=20), course.end_date):
        with pytest.raises(ValidationError) as refusal:
            ask(staff, world.cadre_a, day)
        message = " ".join(refusal.value.messages)
        assert "王堃" in message and CLASS_NAME in message and "308.6" in message, message
    assert not HourRecord.objects.filter(source="recognition").exists()
    # The days before and after the class, and online hours on one of its days, pass.
    ask(staff, world.cadre_a, course.start_date - dt.timedelta(days=1), hours="16")
    ask(staff, world.cadre_a, course.end_date + dt.timedelta(days=1), hours="16")
    ask(staff, world.cadre_a, _start() + dt.timedelta(days=20), hours="3", kind="online")
    assert HourRecord.objects.filter(source="recognition").count() == 3


def test_other_hours_for_a_day_of_an_accepted_filing_are_refused(world, staff):
    day = dt.date.today() - dt.timedelta(days=20)
    filing = filing_submit(
        actor=staff.lily,
        unit=world.a,
        title="发改系统业务能力提升培训",
        organizer_name="某市发展和改革委员会",
        start_date=day,
        end_date=day + dt.timedelta(days=1),
        hours=Decimal("16"),
        participants=[world.cadre_a],
    )
    filing_review(actor=world.bob, filing=filing, decision="accepted")
    with pytest.raises(ValidationError) as refusal:
        ask(staff, world.cadre_a, day, hours="8", provider="省委党校")
    assert "发改系统业务能力提升培训" in " ".join(refusal.value.messages)


def test_a_request_asked_before_the_attendance_is_refused_when_approved(
    world, staff, client, course
):
    """Asked for a day of the class before the school recorded attendance (30 days ago,
    `recognition_post`'s day): the head may not approve it, and an approval that lands
    anyway records it rejected."""
    client.force_login(staff.lily)
    response = recognition_post(client, world.cadre_a, hours="360", provider=SCHOOL)
    assert response.status_code == 302, response.content.decode()[-2000:]
    record = HourRecord.objects.get(source="recognition")
    approval = process_of(ApprovalRequest.objects.get(subject_id=record.pk), "ApprovalFlow")
    assert approval_policy.approval_refusal(approval.artifact) is None
    attended(world, world.cadre_a, course)
    message = approval_policy.approval_refusal(approval.artifact)
    assert message and "王堃" in message and CLASS_NAME in message, message
    step = approval_services.current_steps(approval.artifact, HEAD_STAGE)[0]
    with pytest.raises(ValidationError):
        approval_services.step_decide(actor=world.alice, step=step, decision=Decision.APPROVED)
    step.refresh_from_db()
    assert step.decision == Decision.PENDING
    ledger_services.recognition_decided(record=record, approved=True)
    record.refresh_from_db()
    assert record.status == "rejected"
    assert recognized_hours(world.cadre_a) == Decimal("308.6")  # the class, once
