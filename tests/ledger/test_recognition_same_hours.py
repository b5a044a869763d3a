"""The same hours on the same day of the same kind are the same training, whatever the
ledger has them from: another recognition request naming the provider otherwise; and a
day a filing or class took in (their records are dated the last day) is theirs, whatever
the hours. Refused when asked for and when approved; a rejected request holds nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from dispatch.models import Dispatch
from dispatch.services.dispatching import attendance_record
from dispatch.services.filing import filing_review, filing_submit
from ledger import services as ledger_services
from ledger.models import HourRecord
from tests.factories import training_class


def _day():
    """Read when asked, not when the module is collected: a run may pass midnight."""
    return dt.date.today() - dt.timedelta(days=40)


CELAP = "中国干部网络学院"


def ask(staff, person, *, day=None, hours="16", provider=CELAP) -> HourRecord:
    """The liaison of A asks for `hours` concentrated hours of `person` on `day`."""
    return ledger_services.recognition_submit(
        actor=staff.lily,
        cadre=person,
        date=day or _day(),
        hours=hours,
        kind="concentrated",
        provider=provider,
        reason="参加专题培训",
    )


def refused(staff, person, **request) -> str:
    with pytest.raises(ValidationError) as refusal:
        ask(staff, person, **request)
    return " ".join(refusal.value.messages)


def accepted_filing(world, staff, start=None, end=None, hours="16"):
    """A filing of unit A naming 王堃, from `start` to `end` (`_day()` and the day after),
    accepted: its hours are credited dated `end`."""
    start = start or _day()
    end = end or _day() + dt.timedelta(days=1)
    filing = filing_submit(
        actor=staff.lily,
        unit=world.a,
        title="发改系统业务能力提升培训",
        organizer_name="某市发展和改革委员会",
        start_date=start,
        end_date=end,
        hours=Decimal(hours),
        participants=[world.cadre_a],
    )
    return filing_review(actor=world.bob, filing=filing, decision="accepted")


def recognized_hours(person) -> Decimal:
    total = HourRecord.objects.filter(cadre=person, status="recognized").aggregate(s=Sum("hours"))
    return total["s"] or Decimal(0)


def test_another_spelling_of_the_provider_is_refused_when_asked_for(world, staff):
    first = ask(staff, world.cadre_a)
    message = refused(staff, world.cadre_a, provider=f"{CELAP}（CELAP）")
    assert "王堃" in message and CELAP in message, message
    # Other hours, another day or another kind are other training.
    ask(staff, world.cadre_a, hours="8", provider="省委党校")
    ask(staff, world.cadre_a, day=_day() - dt.timedelta(days=1), provider=f"{CELAP}（CELAP）")
    assert HourRecord.objects.filter(source="recognition").count() == 3
    # Still refused once the first is recognized.
    ledger_services.recognition_decided(record=first, approved=True)
    assert CELAP in refused(staff, world.cadre_a, provider="CELAP")


def test_of_two_requests_for_the_same_hours_only_the_first_is_approved(world, staff):
    """Two requests asked for at the same moment both pass the check: the approval asks
    again, and the later one gives way to the earlier one, pending or recognized."""
    first = ask(staff, world.cadre_a)
    second = HourRecord.objects.create(
        cadre=world.cadre_a,
        date=_day(),
        hours=Decimal("16"),
        kind="concentrated",
        source="recognition",
        source_key=ledger_services.recognition_key(
            world.cadre_a, f"{CELAP}（CELAP）", _day(), "concentrated"
        )
        + ":0",
        status="pending",
        note=f"{CELAP}（CELAP）：参加专题培训",
    )
    assert ledger_services.recognition_refusal(first) is None  # never refused by itself
    message = ledger_services.recognition_refusal(second)
    assert message and CELAP in message and "（CELAP）" not in message, message
    ledger_services.recognition_decided(record=first, approved=True)
    assert CELAP in ledger_services.recognition_refusal(second)
    ledger_services.recognition_decided(record=second, approved=True)
    second.refresh_from_db()
    assert second.status == "rejected"
    assert recognized_hours(world.cadre_a) == 16


def test_a_rejected_request_does_not_hold_the_hours(world, staff):
    first = ask(staff, world.cadre_a)
    ledger_services.recognition_decided(record=first, approved=False)
    again = ask(staff, world.cadre_a, provider=f"{CELAP}（CELAP）")
    assert ledger_services.recognition_refusal(again) is None
    ledger_services.recognition_decided(record=again, approved=True)
    assert recognized_hours(world.cadre_a) == 16


def test_a_day_of_an_accepted_filing_is_refused_when_asked_for(world, staff):
    accepted_filing(world, staff)  # 16 hours over _day() and the day after, dated the latter
    for day in (_day(), _day() + dt.timedelta(days=1)):
        message = refused(staff, world.cadre_a, day=day)
        assert "发改系统业务能力提升培训" in message, message
        # Other hours on a day of the filing are the filing's training too.
        assert "发改系统业务能力提升培训" in refused(staff, world.cadre_a, day=day, hours="8")
    # The day before the filing's is other training.
    ask(staff, world.cadre_a, day=_day() - dt.timedelta(days=1))
    assert recognized_hours(world.cadre_a) == 16


def test_a_filing_accepted_after_the_request_refuses_its_approval(world, staff):
    record = ask(staff, world.cadre_a)
    assert ledger_services.recognition_refusal(record) is None
    accepted_filing(world, staff)
    assert "发改系统业务能力提升培训" in ledger_services.recognition_refusal(record)
    ledger_services.recognition_decided(record=record, approved=True)
    record.refresh_from_db()
    assert record.status == "rejected"
    assert recognized_hours(world.cadre_a) == 16  # the filing's, once


def test_a_day_of_an_attended_class_is_refused(world, staff):
    klass = training_class(
        world.city_od, world.school, _day(), days=3, credit_hours=24, name="春季专题班"
    )
    dispatch = Dispatch.objects.create(
        training_class=klass,
        cadre=world.cadre_a,
        unit=world.a,
        status="acknowledged",
        confirm_due=timezone.now(),
    )
    pending = ask(staff, world.cadre_a, day=_day() + dt.timedelta(days=1), hours="24")
    attendance_record(actor=world.rita, dispatch=dispatch, result="present")  # dated its last day
    assert "春季专题班" in ledger_services.recognition_refusal(pending)
    assert "春季专题班" in refused(staff, world.cadre_a, hours="24", provider="省委党校")
    ask(staff, world.cadre_a, day=_day() - dt.timedelta(days=1), hours="24")


def test_the_check_reads_the_ledger_in_a_fixed_number_of_queries(
    world, staff, django_assert_num_queries
):
    for weeks in range(1, 6):
        start = _day() - dt.timedelta(weeks=weeks)
        accepted_filing(world, staff, start=start, end=start + dt.timedelta(days=1))
    with django_assert_num_queries(2):  # the same hours, then the platform's imports
        assert (
            ledger_services.recognition_already_credited(
                cadre=world.cadre_a,
                date=_day(),
                kind="concentrated",
                hours=Decimal(16),
                provider=CELAP,
            )
            is None
        )
