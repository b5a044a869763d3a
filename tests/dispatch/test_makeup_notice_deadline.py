"""How a makeup reads. The 补训通知 never sets a day already past: a makeup overdue and
escalated goes into a later class, and its notice asks for that class at its dates
instead of "于<the passed due date>前完成补训"; a makeup still ahead of its due date is
asked to be done by it. The training record's makeup line lists the missed class, the
reason and the due date, without a reason's own parentheses nested in others."""

import datetime as dt
import io

import pdfplumber
import pytest
from django.utils import timezone

from dispatch import records
from dispatch.models import Dispatch, Makeup
from dispatch.services import dispatch_confirm, dispatch_notify, makeup_schedule
from notifications.documents import builders
from notifications.documents.context import Issuer
from notifications.models import IssuedDocument
from tests.factories import training_class
from tests.flowtools import Staff

pytestmark = pytest.mark.django_db


def in_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def owed(world, *, due: dt.date, reason="withdrawn", escalated=False) -> Makeup:
    missed = training_class(
        world.city_od,
        world.school,
        timezone.localdate() - dt.timedelta(days=60),
        name="全市科级干部任职培训班",
    )
    source = Dispatch.objects.create(
        training_class=missed,
        cadre=world.cadre_a,
        unit=world.a,
        status="withdrawn",
        confirm_due=timezone.now() - dt.timedelta(days=70),
    )
    return Makeup.objects.create(
        cadre=world.cadre_a, source=source, reason=reason, due_date=due, escalated=escalated
    )


def notice_text(world, makeup, klass) -> str:
    """Schedule `makeup` into `klass`, the unit confirms, the 补训通知 is issued: its text."""
    dispatch = makeup_schedule(actor=world.bob, makeup=makeup, training_class=klass)
    dispatch_confirm(actor=Staff(world).lily, dispatch=dispatch)
    dispatch_notify(dispatch=dispatch)
    dispatch.refresh_from_db()
    document = IssuedDocument.objects.get(
        kind="makeup_notice", document_number=dispatch.notice_reference
    )
    with document.file.open("rb") as handle, pdfplumber.open(io.BytesIO(handle.read())) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


def test_an_overdue_makeup_is_asked_to_attend_its_class_not_by_its_passed_due_date(world):
    today = timezone.localdate()
    makeup = owed(world, due=today - dt.timedelta(days=1), escalated=True)
    start = today + dt.timedelta(days=130)
    klass = training_class(
        world.city_od, world.school, start, days=3, credit_hours=24, name="干部补训班"
    )
    text = notice_text(world, makeup, klass)
    assert in_words(makeup.due_date) not in text
    assert "前完成补训" not in text
    assert f"补训时间为{in_words(klass.start_date)}" in text
    assert in_words(klass.end_date) in text
    assert "按上述补训时间参训" in text


def test_a_makeup_ahead_of_its_due_date_is_asked_to_be_done_by_it(world):
    today = timezone.localdate()
    makeup = owed(world, due=today + dt.timedelta(days=90))
    klass = training_class(
        world.city_od,
        world.school,
        today + dt.timedelta(days=30),
        days=3,
        credit_hours=24,
        name="干部补训班",
    )
    text = notice_text(world, makeup, klass)
    assert f"于{in_words(makeup.due_date)}前完成补训" in text


def makeup_notice_paragraph(deadline, *, date, end):
    context = builders.makeup_notice(
        issuer=Issuer(name="中共XX市委组织部", code="X组通"),
        makeup_class={
            "name": "干部补训班",
            "start_date": end - dt.timedelta(days=2),
            "end_date": end,
            "report_date": end - dt.timedelta(days=2),
            "location": "党校",
        },
        cadres=[
            {
                "name": "王堃",
                "unit": "A局",
                "position": "科长",
                "missed_class": "全市科级干部任职培训班",
                "reason": "退学",
            }
        ],
        date=date,
        deadline=deadline,
    )
    return "".join(str(getattr(block, "text", "")) for block in context.body)


@pytest.mark.parametrize(
    "deadline, stated",
    [
        (dt.date(2026, 12, 5), False),  # passed by the notice's day
        (dt.date(2027, 4, 16), False),  # before the class ends
        (None, False),
        (dt.date(2027, 4, 17), True),  # the class's last day
        (dt.date(2027, 6, 5), True),
    ],
)
def test_the_builder_states_only_a_deadline_that_can_be_kept(deadline, stated):
    text = makeup_notice_paragraph(deadline, date=dt.date(2026, 12, 6), end=dt.date(2027, 4, 17))
    if stated:
        assert f"于{in_words(deadline)}前完成补训" in text
    else:
        assert "前完成补训" not in text and "按上述补训时间参训" in text
        assert "2026年12月5日" not in text


# The training record's makeup line.


def depth(text: str) -> int:
    """How deep parentheses (ASCII or full-width) nest in `text`."""
    deepest = level = 0
    for char in text:
        if char in "(（":
            level += 1
            deepest = max(deepest, level)
        elif char in ")）":
            level -= 1
    return deepest


def makeup_line(world) -> str:
    record = records.training_record(world.cadre_a, world.bob)
    [event] = [e for e in record["timeline"] if e.order[0] == records._EVENT_ORDER["makeup"]]
    return str(event.what)


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en-us"


def test_the_record_lists_the_makeups_class_and_reason_without_nesting(english, world):
    makeup = owed(world, due=dt.date(2026, 12, 5))
    line = makeup_line(world)
    assert depth(line) <= 1, line
    assert "全市科级干部任职培训班" in line
    assert str(makeup.get_reason_display()) in line
    assert "2026" in line


def test_the_record_does_not_read_as_making_up_the_class_name(world):
    """In Chinese the line read 补全市科级干部任职培训班（退学（中途退学…））."""
    owed(world, due=dt.date(2026, 12, 5))
    line = makeup_line(world)
    assert not line.startswith("补全市"), line
    assert depth(line) <= 1, line
    assert "全市科级干部任职培训班" in line and "2026年12月5日" in line
