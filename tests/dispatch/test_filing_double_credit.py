"""A filing (报备) does not credit again training the ledger already credits: a participant
credited concentrated training — a class attended, another filing accepted, a request
recognized — on a day of the filing's dates is refused when the liaison files it and
again when the dispatcher accepts it, by name; nothing is written."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from dispatch.models import Dispatch, Filing, FilingStatus
from dispatch.services.dispatching import attendance_record
from dispatch.services.filing import filing_review, filing_submit
from ledger import services as ledger_services
from ledger.models import HourRecord
from tests.factories import cadre, credit, training_class
from tests.flowtools import act, filing_data, open_task, process_of
from tests.racing import postgresql_only, together


def _start():
    """Read when asked, not when the module is collected: a run may pass midnight."""
    return dt.date.today() - dt.timedelta(days=60)


CLASS_NAME = "全市县处级干部进修班（第二期）"


@pytest.fixture
def wang(world):
    return cadre("汪燕庆", world.a, world.city_od, male=False)


@pytest.fixture
def course(world):
    """The class of 180 hours over 30 days, ended a month ago."""
    return training_class(
        world.city_od, world.school, _start(), days=30, credit_hours=180, name=CLASS_NAME
    )


def attended(world, person, training_class):
    """`person` attended `training_class`: its hours credited, dated its last day."""
    dispatch = Dispatch.objects.create(
        training_class=training_class,
        cadre=person,
        unit=person.unit,
        status="acknowledged",
        confirm_due=timezone.now(),
    )
    attendance_record(actor=world.rita, dispatch=dispatch, result="present")


def file(staff, world, participants, start, end, hours="180", title=CLASS_NAME) -> Filing:
    return filing_submit(
        actor=staff.lily,
        unit=world.a,
        title=title,
        organizer_name="中共某市委党校",
        start_date=start,
        end_date=end,
        hours=Decimal(hours),
        participants=participants,
    )


def refused_filing(staff, world, participants, start, end, **extra) -> str:
    with pytest.raises(ValidationError) as refusal:
        file(staff, world, participants, start, end, **extra)
    return " ".join(refusal.value.message_dict["participants"])


def test_a_class_already_attended_cannot_be_filed_again(world, staff, wang, course):
    attended(world, wang, course)
    records, events = HourRecord.objects.count(), AuditEvent.objects.count()
    message = refused_filing(
        staff, world, [wang, world.cadre_a], course.start_date, course.end_date
    )
    assert "汪燕庆" in message and CLASS_NAME in message, message
    assert "王堃" not in message, message  # only those credited are named
    assert not Filing.objects.exists()
    assert (HourRecord.objects.count(), AuditEvent.objects.count()) == (records, events)
    # One day of the class inside other dates is enough.
    last = course.end_date
    message = refused_filing(staff, world, [wang], last, last + dt.timedelta(days=2), hours="24")
    assert "汪燕庆" in message, message


def test_accepting_is_refused_when_the_class_was_credited_after_filing(world, staff, wang, course):
    filing = file(staff, world, [wang, world.cadre_a], course.start_date, course.end_date)
    attended(world, wang, course)  # recorded by the school after the unit filed it
    records = HourRecord.objects.count()
    with pytest.raises(ValidationError) as refusal:
        filing_review(actor=world.bob, filing=filing, decision="accepted")
    [message] = refusal.value.message_dict["decision"]
    assert "汪燕庆" in message and CLASS_NAME in message and "王堃" not in message, message
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED
    assert HourRecord.objects.count() == records  # not even 王堃's hours
    assert not HourRecord.objects.filter(source="filing").exists()
    assert not AuditEvent.objects.filter(verb="filing.accepted").exists()
    # Returning it for the participant to be removed stays open.
    filing_review(actor=world.bob, filing=filing, decision="returned", comment="汪燕庆已参训")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED


def test_another_accepted_filing_on_those_days_is_refused(world, staff):
    day = dt.date.today() - dt.timedelta(days=20)
    first = file(staff, world, [world.cadre_a], day, day + dt.timedelta(days=2), hours="24")
    second = file(
        staff,
        world,
        [world.cadre_a],
        day + dt.timedelta(days=2),
        day + dt.timedelta(days=4),
        hours="24",
    )
    filing_review(actor=world.bob, filing=first, decision="accepted")
    with pytest.raises(ValidationError) as refusal:
        filing_review(actor=world.bob, filing=second, decision="accepted")
    assert "王堃" in " ".join(refusal.value.messages)
    assert HourRecord.objects.filter(source="filing").count() == 1
    # Filed again now, it is refused at once.
    message = refused_filing(staff, world, [world.cadre_a], day, day, hours="8")
    assert "王堃" in message and CLASS_NAME in message, message


def test_a_recognized_request_on_those_days_is_refused_a_pending_one_gives_way(world, staff):
    day = dt.date.today() - dt.timedelta(days=20)

    def ask(person):
        return ledger_services.recognition_submit(
            actor=staff.lily,
            cadre=person,
            date=day + dt.timedelta(days=1),
            hours="16",
            kind="concentrated",
            provider="省委党校",
            reason="参加省委党校专题班",
        )

    recognized = ask(world.cadre_a1)
    ledger_services.recognition_decided(record=recognized, approved=True)
    message = refused_filing(
        staff, world, [world.cadre_a1], day, day + dt.timedelta(days=2), hours="24"
    )
    assert "李玥" in message and "省委党校" in message, message
    # A request still pending holds nothing yet: the filing is accepted, and the request
    # is then refused when approved (the filing's days are credited).
    pending = ask(world.cadre_a)
    filing = file(staff, world, [world.cadre_a], day, day + dt.timedelta(days=2), hours="24")
    filing_review(actor=world.bob, filing=filing, decision="accepted")
    assert CLASS_NAME in ledger_services.recognition_refusal(pending)


def test_training_on_other_days_is_filed_and_accepted(world, staff, wang, course):
    attended(world, wang, course)
    after = course.end_date + dt.timedelta(days=1)
    # Online hours and a rejected request on those days credit no concentrated training.
    credit(wang, 4, after + dt.timedelta(days=1), kind="online")
    credit(wang, 16, after, status="rejected")
    filing = file(staff, world, [wang], after, after + dt.timedelta(days=2), hours="24")
    filing_review(actor=world.bob, filing=filing, decision="accepted")
    assert HourRecord.objects.get(source="filing").hours == 24


def errors(response) -> str:
    assert response.status_code == 200
    return " ".join(
        re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    )


def test_the_pages_tell_the_liaison_and_the_dispatcher(world, staff, client, wang):
    start = dt.date.today() - dt.timedelta(days=10)
    klass = training_class(world.city_od, world.school, start, days=3, credit_hours=24)
    data = filing_data(world, participants=[wang.pk])  # the class's three days
    client.force_login(staff.lily)
    response = client.post("/workflow/filing/start/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    filing = Filing.objects.get()
    attended(world, wang, klass)
    # The dispatcher accepting it is refused by name; the task stays open.
    client.force_login(world.bob)
    task = open_task(process_of(filing, "FilingFlow"), "review")
    message = errors(act(client, task, {"decision": "accepted"}))
    assert "汪燕庆" in message and klass.name in message, message
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED
    assert not HourRecord.objects.filter(source="filing").exists()
    # Filed again, the liaison is told at once beside the participants.
    client.force_login(staff.lily)
    message = errors(client.post("/workflow/filing/start/", data))
    assert "汪燕庆" in message and klass.name in message, message
    assert Filing.objects.count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_filings_of_the_same_days_accepted_at_once_credit_once(world, staff):
    day = dt.date.today() - dt.timedelta(days=20)
    filings = [
        file(staff, world, [world.cadre_a], day, day + dt.timedelta(days=2), hours="24")
        for _ in range(2)
    ]
    outcomes = together(
        *(
            lambda f=f: filing_review(actor=world.bob, filing=f, decision="accepted")
            for f in filings
        )
    )
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    [error] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(error, ValidationError) and "王堃" in " ".join(error.messages)
    assert HourRecord.objects.filter(source="filing").count() == 1
