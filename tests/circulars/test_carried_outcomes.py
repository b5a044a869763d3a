"""上期未结班次: a class still running when its period's circular was counted has its
outcomes, recorded since, reported in the next circular of the same department — the
absentees named, the outcomes counted in a sentence of their own — and only once.

Before, a circular counted only the classes that started in its period: a cadre counted
未结 by one circular and recorded absent afterwards was never named anywhere, though the
dispatch was flagged to be named in the next circular."""

import datetime as dt

import pytest
from django.utils import timezone

from circulars import documents as circular_documents
from circulars import services as circular_services
from circulars.models import Circular, CircularPeriod, CircularStatus
from dispatch.models import Dispatch, DispatchStatus
from notifications.models import Event
from tests.circulars.kit import dispatch_row, pdf_text
from tests.factories import training_class
from tests.flowtools import notified

# A class running from 27 September to 25 November (today is later in the tests' world).
CLASS_START = dt.date(2026, 9, 27)
OCTOBER = (dt.date(2026, 9, 1), dt.date(2026, 10, 31))
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
EARLY_DECEMBER = (dt.date(2026, 12, 1), dt.date(2026, 12, 4))


def counted(world, period, org_department=None, actor=None):
    start, end = period
    return circular_services.circular_create(
        actor=actor or world.bob,
        org_department=org_department or world.city_od,
        period_kind=CircularPeriod.CUSTOM,
        start=start,
        end=end,
    )


def issued(world, head, circular, drafter=None):
    """Drafted (the generated text), approved by `head` and issued: the document."""
    from notifications.models import IssuedDocument

    circular_services.circular_draft(
        actor=drafter or world.bob,
        circular=circular,
        title=circular.title,
        body="",
        text_of=circular_documents.generated_text,
    )
    circular_services.circular_decide(
        actor=head, circular=Circular.objects.get(pk=circular.pk), approve=True
    )
    document_id = circular_documents.issue_approved(circular.pk)
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUED
    return IssuedDocument.objects.get(pk=document_id)


def record(dispatch, status):
    """The registrar's record of the outcome, written as `attendance_record` writes it (an
    absence flagged to be named in the next circular), the dispatch's own flow aside."""
    Dispatch.objects.filter(pk=dispatch.pk).update(
        status=status,
        attendance="present" if status == DispatchStatus.ATTENDED else status,
        flagged_for_circular=status == DispatchStatus.ABSENT,
        closed_at=timezone.now(),
    )
    dispatch.refresh_from_db()


@pytest.fixture
def running(world):
    """王堃 and 李玥 in a class of the city that was still running when October's circular
    was counted and issued."""
    klass = training_class(world.city_od, world.school, CLASS_START, days=60, name="秋季进修班")
    wang = dispatch_row(world, klass, world.cadre_a, DispatchStatus.ACKNOWLEDGED)
    li = dispatch_row(world, klass, world.cadre_a1, DispatchStatus.ACKNOWLEDGED)
    return klass, wang, li


def test_an_absence_recorded_after_the_circular_is_named_in_the_next_one_only(
    world, staff, running
):
    klass, wang, li = running
    october = counted(world, OCTOBER)
    assert october.figures["totals"]["in_progress"] == 2
    assert sorted(october.figures["open_ids"]) == sorted([wang.pk, li.pk])
    text = pdf_text(issued(world, staff.oscar, october))
    assert "尚未办结2人次" in text and "上期未结班次" not in text

    # The registrar records the outcomes afterwards: 王堃 never came, 李玥 attended.
    record(wang, DispatchStatus.ABSENT)
    record(li, DispatchStatus.ATTENDED)

    november = counted(world, NOVEMBER)
    carried = november.figures["carried"]
    assert carried["ids"] == sorted([wang.pk, li.pk])
    assert carried["absentee_ids"] == [wang.pk]
    by_unit = {row["unit"]: row for row in carried["units"]}
    assert by_unit["某市发展和改革委员会"]["absent"] == 1
    assert by_unit["综合科"]["attended"] == 1
    # Its own figures are counted as before: nobody was dispatched in November.
    assert november.figures["totals"]["named"] == 0
    document = issued(world, staff.oscar, november)
    text = pdf_text(document)
    assert "上期未结班次：前期通报时尚未办结的2人次现已办结，其中参训1人次" in text
    assert "未经批准缺训1人次" in text
    named = "上期未结班次有以下同志无故缺训，予以通报：在秋季进修班中，某市发展和改革委员会王堃。"
    assert named in text
    # A text the drafter wrote (here: the generated one, submitted as written) keeps the
    # names it gives unbroken at a line's end, as the generated text does.
    written = circular_documents.circular_context(
        november, text=circular_documents.generated_text(november)
    )
    [paragraph] = [b for b in written.body if "王堃" in getattr(b, "text", "")]
    assert "王堃" in paragraph.whole
    assert "上期未结班次无故缺训人员名单" in text  # and in the attachment
    # The units it reports on hear of it, though nobody of theirs was dispatched in
    # November: 某市发展和改革委员会's head (alice) and liaison (lily).
    assert {"alice", "lily"} <= notified(Event.CIRCULAR_ISSUED, document=document)

    # Reported once: the circular after that names her no more.
    december = counted(world, EARLY_DECEMBER)
    assert "carried" not in december.figures
    text = pdf_text(issued(world, staff.oscar, december))
    assert "王堃" not in text and "上期未结班次" not in text


def test_a_draft_circular_is_not_read_until_it_is_approved(world, staff, running):
    """The figures of a draft are counted again when it is submitted: the next circular
    reads only those of an approved one."""
    _klass, wang, _li = running
    october = counted(world, OCTOBER)  # started, not yet drafted nor approved
    record(wang, DispatchStatus.ABSENT)
    assert "carried" not in counted(world, NOVEMBER).figures
    assert october.figures["open_ids"]


def test_a_dispatch_settled_before_the_circular_was_counted_is_not_carried(world, staff, running):
    """Settled when the circular was counted, it was counted by it (absent and named
    there), not carried into the next."""
    _klass, wang, _li = running
    record(wang, DispatchStatus.ABSENT)
    october = counted(world, OCTOBER)
    assert october.figures["totals"]["absent"] == 1
    assert october.figures["open_ids"] == [_li.pk]
    issued(world, staff.oscar, october)
    assert "carried" not in counted(world, NOVEMBER).figures


def test_a_circular_stored_before_the_open_ids_is_read_from_its_audit_trail(world, staff, running):
    """A circular issued before its figures kept the dispatches counted in progress:
    those closed after it was last counted were in progress then."""
    _klass, wang, li = running
    october = counted(world, OCTOBER)
    issued(world, staff.oscar, october)
    figures = dict(october.figures)
    figures.pop("open_ids")
    Circular.objects.filter(pk=october.pk).update(figures=figures)

    record(wang, DispatchStatus.ABSENT)
    november = counted(world, NOVEMBER)
    assert november.figures["carried"]["absentee_ids"] == [wang.pk]
    assert november.figures["carried"]["ids"] == [wang.pk]  # 李玥 is still in progress


def test_another_departments_circular_carries_nothing_over(world, staff, running):
    """The county's circulars read only the county's own earlier circulars."""
    _klass, wang, _li = running
    issued(world, staff.oscar, counted(world, OCTOBER))
    record(wang, DispatchStatus.ABSENT)
    county = counted(world, NOVEMBER, org_department=world.county_od, actor=world.carol)
    assert "carried" not in county.figures


def test_a_yearly_circular_that_counted_the_class_settled_it(world, staff):
    """A December class still running at the fourth quarter's circular and settled by the
    time the year's circular was counted is reported by the year's (its own figures), not
    carried into the next year's first quarter."""
    klass = training_class(world.city_od, world.school, dt.date(2025, 12, 20), days=20)
    wang = dispatch_row(world, klass, world.cadre_a, DispatchStatus.ACKNOWLEDGED)

    def period(kind, start, end):
        return circular_services.circular_create(
            actor=world.bob, org_department=world.city_od, period_kind=kind, start=start, end=end
        )

    q4 = period(CircularPeriod.QUARTER, dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert q4.figures["open_ids"] == [wang.pk]
    issued(world, staff.oscar, q4)
    record(wang, DispatchStatus.ABSENT)
    year = period(CircularPeriod.YEAR, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert year.figures["totals"]["absent"] == 1 and year.figures["open_ids"] == []
    issued(world, staff.oscar, year)
    q1 = period(CircularPeriod.QUARTER, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert "carried" not in q1.figures
