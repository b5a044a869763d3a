"""Moving a class never puts one of its trainees in two overlapping classes: the rule
every booking keeps (tests/hardening/test_double_booking.py) holds when the class's dates
change instead, by each door that changes them — the class service, the class page and
the class import — and nothing is written when it is refused."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditEvent
from core.formatting import format_span
from dispatch.models import (
    BUSY_DISPATCH_STATUSES,
    Dispatch,
    Institution,
    InstitutionKind,
    TrainingClass,
)
from dispatch.services.classes import class_save_audited
from dispatch.services.rollcall import check_cadres_free
from org.models import UnitKind
from tests.dated import DECEMBER_2026
from tests.dispatch.class_kit import form_data
from tests.dispatch.import_kit import check, commit, errors_by_line
from tests.dispatch.import_kit import class_row as row
from tests.factories import training_class, unit
from tests.flowtools import deadline, issue_roll_call
from tests.racing import held, logged_in, postgresql_only, responses, together

pytestmark = DECEMBER_2026

REFUSED = "按此日期，已调训参加本班次的王堃将同时在{}（{}）参训"


@pytest.fixture
def spring(world, klass, client):
    """王堃 (cadre_a) named for `klass`, next month, and for 春季班 in March."""
    commit("classes", world.bob, [row(world)])
    spring = TrainingClass.objects.get(name="春季班")
    issue_roll_call(client, world, klass, [world.cadre_a])
    issue_roll_call(client, world, spring, [world.cadre_a, world.cadre_b])
    return spring


def _onto(klass):
    """Dates that overlap `klass` by three days."""
    start = klass.start_date + dt.timedelta(days=2)
    return start, start + dt.timedelta(days=4)


def _refused(klass):
    return REFUSED.format(klass.name, format_span(klass.start_date, klass.end_date))


def test_the_service_refuses_dates_that_overlap_another_class_of_a_trainee(world, klass, spring):
    events = AuditEvent.objects.count()
    spring.start_date, spring.end_date = _onto(klass)
    spring.report_date = spring.start_date

    with pytest.raises(ValidationError) as refused:
        class_save_audited(actor=world.bob, training_class=spring)

    assert refused.value.message_dict["start_date"][0].startswith(_refused(klass))
    spring.refresh_from_db()
    assert spring.start_date == dt.date(2027, 3, 1)
    assert AuditEvent.objects.count() == events
    # Dates clear of the other class (a week later) are saved.
    spring.start_date, spring.end_date = dt.date(2027, 3, 8), dt.date(2027, 3, 12)
    spring.report_date = spring.start_date
    class_save_audited(actor=world.bob, training_class=spring)
    assert TrainingClass.objects.get(pk=spring.pk).start_date == dt.date(2027, 3, 8)


def test_the_class_page_shows_the_refusal_and_keeps_the_dates(world, klass, spring, client):
    start, end = _onto(klass)
    client.force_login(world.bob)

    response = client.post(
        f"/classes/{spring.pk}/edit/",
        form_data(spring, start_date=start, end_date=end, report_date=start),
    )

    assert response.status_code == 200
    assert _refused(klass) in response.content.decode()
    assert TrainingClass.objects.get(pk=spring.pk).start_date == dt.date(2027, 3, 1)


def test_the_class_import_refuses_the_row_before_anything_is_committed(world, klass, spring):
    start, end = _onto(klass)
    moved = row(world, number=str(spring.pk), start=f"{start}", end=f"{end}", report=f"{start}")

    errors = errors_by_line(check("classes", world.bob, [moved]))

    assert list(errors) == [2] and errors[2][0].startswith(_refused(klass))
    with pytest.raises(ValidationError):
        commit("classes", world.bob, [moved])
    assert TrainingClass.objects.get(pk=spring.pk).start_date == dt.date(2027, 3, 1)


def test_the_admin_form_shows_the_refusal_and_keeps_the_dates(world, klass, spring, admin_client):
    start, end = _onto(klass)
    data = form_data(spring, start_date=start, end_date=end, report_date=start)
    data.update(institution=spring.institution_id, organizer=spring.organizer_id)

    response = admin_client.post(f"/admin/dispatch/trainingclass/{spring.pk}/change/", data)

    assert response.status_code == 200
    assert _refused(klass) in response.content.decode()
    assert TrainingClass.objects.get(pk=spring.pk).start_date == dt.date(2027, 3, 1)


def race_a_roll_call_and_a_move(world, *, holds_later: bool):
    """Three rounds: 王堃 holds 乙班 (`holds_later`) or 甲班, and is named for the other
    while 乙班 is moved onto 甲班's dates, the two requests released together: exactly
    one goes through, and his live dispatches never overlap."""
    for round_ in range(3):
        start = dt.date.today() + dt.timedelta(days=30 + 20 * round_)
        first = training_class(world.city_od, world.school, start, name=f"甲班{round_}")
        later = training_class(
            world.city_od, world.school, start + dt.timedelta(days=60), name=f"乙班{round_}"
        )
        held_class, named_class = (later, first) if holds_later else (first, later)
        issue_roll_call(logged_in(world.bob), world, held_class, [world.cadre_a])
        moved = form_data(later, start_date=start, end_date=first.end_date, report_date=start)
        naming = {
            "training_class": named_class.pk,
            "mode": "named",
            "response_deadline": deadline(),
            "cadres": [world.cadre_a.pk],
        }
        dispatcher, editor = logged_in(world.bob), logged_in(world.bob)

        outcomes = together(
            lambda c=dispatcher, data=naming: c.post("/workflow/rollcall/start/", data),
            lambda c=editor, url=f"/classes/{later.pk}/edit/", data=moved: c.post(url, data),
        )

        codes = [r.status_code for r in responses(outcomes)]
        assert sorted(codes) == [200, 302], (round_, codes)
        busy = Dispatch.objects.filter(cadre=world.cadre_a, status__in=BUSY_DISPATCH_STATUSES)
        spans = sorted(busy.values_list("training_class__start_date", "training_class__end_date"))
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans)), (round_, spans)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_roll_call_and_a_move_racing_never_book_a_cadre_twice(world):
    """A roll call names 王堃 for 甲班 while his 乙班 is moved onto 甲班's dates: the two
    lock him in the same order, so one of them waits and then refuses."""
    race_a_roll_call_and_a_move(world, holds_later=True)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_naming_a_cadre_for_a_class_while_it_moves_onto_his_other_class_books_him_once(world):
    """王堃 holds 甲班; he is named for 乙班 while 乙班 is moved onto 甲班's dates: the
    booking reads 乙班's dates under its row lock, the move reads 乙班's trainees after
    taking that lock, so one of them sees the other and refuses."""
    race_a_roll_call_and_a_move(world, holds_later=False)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_booking_that_waits_for_a_move_reads_the_moved_dates(world):
    """The move of 乙班 onto 甲班's dates holds its transaction open; meanwhile 王堃 (in
    甲班) is checked for 乙班 with the class as it was read before the move: the check
    waits for 乙班's row, then reads its new dates and refuses — it does not judge by the
    dates read before the move committed."""
    start = dt.date.today() + dt.timedelta(days=30)
    first = training_class(world.city_od, world.school, start, name="甲班")
    # At another institution: the two do not meet at one institution's row (the seats
    # it has left on the dates, `dispatch.capacity`), only at the class's.
    college = Institution.objects.create(
        unit=unit("某市干部学院", world.root, kind=UnitKind.INSTITUTION),
        kind=InstitutionKind.CADRE_COLLEGE,
    )
    later = training_class(world.city_od, college, start + dt.timedelta(days=60), name="乙班")
    issue_roll_call(logged_in(world.bob), world, first, [world.cadre_a])

    def move():
        moving = TrainingClass.objects.get(pk=later.pk)
        moving.start_date, moving.end_date = start, first.end_date
        moving.report_date = start
        class_save_audited(actor=world.bob, training_class=moving)

    stale = TrainingClass.objects.get(pk=later.pk)  # read before the move, as a form reads it
    with held(move, seconds=2) as outcome:
        with pytest.raises(ValidationError) as refused, transaction.atomic():
            check_cadres_free([world.cadre_a], stale)  # waits for 乙班's row
    assert "error" not in outcome, outcome
    assert "甲班" in refused.value.messages[0]
    assert (stale.start_date, stale.end_date) == (start, first.end_date)  # read again
