"""The dispatch tallies (counts per unit, class and status, kept by database triggers)
equal a count of the dispatches after every kind of write — a model save, a bulk insert,
a queryset update, raw SQL — and stay equal when their rows are merged, counted again,
or written by concurrent transactions (PostgreSQL)."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from dispatch import tally
from dispatch.models import Dispatch, DispatchStatus, DispatchTally
from tests.factories import cadre, training_class

pytestmark = pytest.mark.django_db


def dispatch(world, klass, person, status=DispatchStatus.NAMED, **extra):
    return Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=person.unit,
        status=status,
        confirm_due=timezone.now(),
        **extra,
    )


def counted():
    """{(unit, class, status): (dispatches, leave, notified, acknowledged)} from the
    dispatches themselves."""
    found = {}
    for d in Dispatch.objects.all():
        key = (d.unit_id, d.training_class_id, d.status)
        n, leave, notified, acknowledged = found.get(key, (0, 0, 0, 0))
        found[key] = (
            n + 1,
            leave + (d.request_kind == "leave"),
            notified + (d.acknowledge_due is not None),
            acknowledged + (d.acknowledged_at is not None),
        )
    return found


def tallied():
    return {
        (unit, klass, status): tuple(values)
        for unit, klass, status, *values in tally.summed(DispatchTally.objects, *tally.KEY)
        if any(values)
    }


@pytest.fixture
def classes(world):
    return [
        training_class(world.city_od, world.school, dt.date(2026, 3, 2) + dt.timedelta(days=7 * i))
        for i in range(2)
    ]


def test_every_kind_of_write_is_counted(world, classes):
    first, second = classes
    now = timezone.now()
    a = dispatch(world, first, world.cadre_a)
    dispatch(world, first, world.cadre_a1, acknowledge_due=now)
    extra = [cadre(f"干部{i}", world.a, world.city_od) for i in range(4)]
    Dispatch.objects.bulk_create(
        Dispatch(
            training_class=second,
            cadre=c,
            unit=c.unit,
            status=DispatchStatus.NOTIFIED,
            confirm_due=now,
        )
        for c in extra
    )
    assert tallied() == counted() != {}

    # a model save of the counted columns, one that changes nothing counted, a move
    a.status, a.request_kind = DispatchStatus.DEFERRED, "leave"
    a.save()
    a.notice_reference = "X组通〔2026〕1号"
    a.save()
    Dispatch.objects.filter(pk=a.pk).update(unit=world.a1)
    # a queryset update over many rows, acknowledgements, raw SQL
    Dispatch.objects.filter(training_class=second).update(
        status=DispatchStatus.ACKNOWLEDGED, acknowledge_due=now, acknowledged_at=now
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dispatch_dispatch SET status = 'absent' WHERE id = %s",
            [Dispatch.objects.filter(training_class=second).values_list("pk", flat=True)[0]],
        )
    assert tallied() == counted()
    assert tally.differences() == {}
    assert tallied()[(world.a1.pk, first.pk, DispatchStatus.DEFERRED)] == (1, 1, 0, 0)
    assert tallied()[(world.a.pk, second.pk, DispatchStatus.ACKNOWLEDGED)] == (3, 0, 3, 3)


def test_a_save_that_changes_nothing_counted_adds_no_row(world, classes):
    d = dispatch(world, classes[0], world.cadre_a)
    rows = DispatchTally.objects.count()
    d.notice_reference = "X组通〔2026〕2号"
    d.save()
    Dispatch.objects.filter(pk=d.pk).update(status=d.status)
    assert DispatchTally.objects.count() == rows


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite counts no DELETE")
def test_a_delete_is_counted_on_postgresql(world, classes):
    d = dispatch(world, classes[0], world.cadre_a)
    dispatch(world, classes[0], world.cadre_a1)
    d.delete()
    assert tally.differences() == {}
    assert tallied() == {(world.a1.pk, classes[0].pk, DispatchStatus.NAMED): (1, 0, 0, 0)}


def test_compacting_merges_each_key_into_one_row_and_keeps_the_counts(world, classes):
    for person in (world.cadre_a, world.cadre_a1, world.cadre_b):
        d = dispatch(world, classes[0], person)
        d.status = DispatchStatus.CONFIRMED
        d.save()
    before = tallied()
    rows = DispatchTally.objects.count()
    assert rows > len(before)  # change rows: +named, −named, +confirmed …

    merged = tally.compact()

    assert rows == 9 and merged == 6  # each unit's +named and −named; +confirmed alone
    assert tallied() == before == counted()
    keys = DispatchTally.objects.values_list(*tally.KEY)
    assert len(keys) == len(set(keys)) == len(before)  # one row a key, none for "named"
    assert tally.compact() == 0


def test_counts_are_summed_over_the_classes_asked_for(world, classes):
    first, second = classes
    dispatch(world, first, world.cadre_a)
    dispatch(world, second, world.cadre_a1, status=DispatchStatus.ABSENT)
    dispatch(world, second, world.cadre_b, status=DispatchStatus.CANCELLED)
    rows = set(
        tally.counts(
            unit_ids=[world.a.pk, world.a1.pk, world.b.pk],
            class_ids=[second.pk],
            exclude_status=DispatchStatus.CANCELLED,
        )
    )
    assert rows == {(world.a1.pk, DispatchStatus.ABSENT, 1, 0, 0, 0)}


def test_rebuild_counts_the_tallies_again_and_check_tells_a_difference(world, classes):
    dispatch(world, classes[0], world.cadre_a)
    DispatchTally.objects.create(
        unit=world.b,
        training_class=classes[0],
        status="attended",
        dispatches=5,
        leave_requests=0,
        notified=0,
        acknowledged=0,
    )
    assert set(tally.differences()) == {(world.b.pk, classes[0].pk, "attended")}
    with pytest.raises(SystemExit):
        call_command("rebuild_dispatch_tally", "--check", stdout=open("/dev/null", "w"))

    call_command("rebuild_dispatch_tally", stdout=open("/dev/null", "w"))

    assert tally.differences() == {}
    call_command("rebuild_dispatch_tally", "--check", stdout=open("/dev/null", "w"))
    assert tallied() == counted()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Concurrent writers need PostgreSQL (SQLite serializes all writers).",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_compactions_keep_the_counts(world):
    klass = training_class(world.city_od, world.school, dt.date(2026, 5, 4))
    people = [cadre(f"并发{i}", world.a, world.city_od) for i in range(40)]
    ids = [dispatch(world, klass, person).pk for person in people]
    statuses = [DispatchStatus.NOTIFIED, DispatchStatus.CONFIRMED, DispatchStatus.ATTENDED]
    errors, barrier = [], threading.Barrier(4)

    def write(offset):
        try:
            barrier.wait()
            for round_ in range(3):
                for pk in ids[offset::2]:
                    with transaction.atomic():
                        Dispatch.objects.filter(pk=pk).update(status=statuses[round_])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def compact():
        try:
            barrier.wait()
            for _ in range(10):
                tally.compact()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    pool += [threading.Thread(target=compact) for _ in range(2)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    assert not errors
    assert tally.differences() == {}
    assert tallied() == {(world.a.pk, klass.pk, DispatchStatus.ATTENDED): (40, 0, 0, 0)}
