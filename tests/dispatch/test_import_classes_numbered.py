"""Importing training classes by their numbers (dispatch.imports_classes.ClassImport): a
numbered row reschedules or renames its class; an unknown number, another
jurisdiction's class, a number twice, or two rows making two classes alike
(dispatch.twins) are errors on their lines; every rule of a changed class holds; the
check's queries stay flat."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dispatch import twins
from dispatch.models import TrainingClass
from imports.kinds import Action, registry
from tests.dated import DECEMBER_2026
from tests.dispatch.import_kit import actions, attended, check, commit, errors_by_line
from tests.dispatch.import_kit import class_row as row

pytestmark = [pytest.mark.django_db, DECEMBER_2026]


APRIL = {"start": "2027-04-01", "end": "2027-04-05", "report": "2027-04-01"}


def test_a_numbered_row_reschedules_its_class(world):
    commit("classes", world.bob, [row(world)])
    klass = TrainingClass.objects.get(name="春季班")
    [outcome] = check("classes", world.bob, [row(world, number=str(klass.pk), **APRIL)])
    assert outcome.action == Action.UPDATE, outcome.errors
    field = {f: str(TrainingClass._meta.get_field(f).verbose_name) for f in ("start_date", "name")}
    assert [field["start_date"], "2027年3月1日", "2027年4月1日"] in outcome.changes
    assert len(outcome.changes) == 3  # start, end and report dates

    commit("classes", world.bob, [row(world, number=str(klass.pk), **APRIL)])
    klass.refresh_from_db()
    assert (klass.start_date, klass.end_date, klass.report_date) == (
        dt.date(2027, 4, 1),
        dt.date(2027, 4, 5),
        dt.date(2027, 4, 1),
    )
    assert TrainingClass.objects.count() == 1
    # Its name may change too; the same file again changes nothing.
    renamed = row(world, name="春季专题班", number=str(klass.pk), **APRIL)
    [outcome] = commit("classes", world.bob, [renamed])
    assert outcome.changes == [[field["name"], "春季班", "春季专题班"]]
    assert actions(commit("classes", world.bob, [renamed])) == [Action.UNCHANGED]
    assert list(TrainingClass.objects.values_list("pk", "name")) == [(klass.pk, "春季专题班")]


def test_an_unknown_number_or_another_jurisdictions_class_is_a_row_error(world):
    commit("classes", world.bob, [row(world, name="市班")])
    city = TrainingClass.objects.get(name="市班")
    county_row = row(world, name="县班", organizer="县组通")
    rows = [
        county_row,  # 2: fine
        row(world, name="市班", organizer="县组通", number=str(city.pk), **APRIL),  # 3
        row(world, name="无号", organizer="县组通", number=str(city.pk + 1000)),  # 4
        row(world, name="怪号", organizer="县组通", number="第一期"),  # 5
    ]
    errors = errors_by_line(check("classes", world.carol, rows))
    assert sorted(errors) == [3, 4, 5]
    assert errors[3] == [errors[3][0]] and str(city.pk) in errors[3][0]
    assert str(city.pk + 1000) in errors[4][0] and "第一期" in errors[5][0]
    with pytest.raises(ValidationError):
        commit("classes", world.carol, rows)
    assert not TrainingClass.objects.filter(name="县班").exists()
    city.refresh_from_db()
    assert (city.name, city.start_date) == ("市班", dt.date(2027, 3, 1))


def test_a_number_twice_in_the_file_or_named_by_its_key_too_is_an_error(world):
    commit("classes", world.bob, [row(world)])
    number = str(TrainingClass.objects.get().pk)
    outcomes = check(
        "classes",
        world.bob,
        [row(world, number=number, **APRIL), row(world, number=number), row(world)],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == [3, 4]
    assert all(number in e[0] and "2" in e[0] for e in errors.values())
    # Numbered rows are told apart by their numbers, but no row makes its class the twin
    # of another (the same name, institution and dates, dispatch.twins): the preview
    # says so on its line, naming the class already there, and the commit writes nothing.
    commit("classes", world.bob, [row(world, **APRIL)])
    first, second = TrainingClass.objects.order_by("pk")
    shared = [row(world, number=str(k.pk), location="新校区", **APRIL) for k in (first, second)]
    assert errors_by_line(check("classes", world.bob, shared)) == {
        2: [twins.class_twin_message(second)]
    }
    assert str(second.pk) in twins.class_twin_message(second)
    with pytest.raises(ValidationError):
        commit("classes", world.bob, shared)
    first.refresh_from_db()
    assert (first.start_date, first.location) == (dt.date(2027, 3, 1), "党校主楼")


def test_two_rows_making_two_classes_alike_are_an_error_in_the_preview(world):
    """Two numbered rows moving two classes onto one name, institution and dates — or a
    numbered row moving a class onto the dates a new row gives a class of its name — would
    be refused as the commit writes the second: the preview says so on its line."""
    commit("classes", world.bob, [row(world, name="甲班"), row(world, name="乙班", **APRIL)])
    first, second = TrainingClass.objects.order_by("pk")
    may = {"start": "2027-05-10", "end": "2027-05-14", "report": "2027-05-10"}
    both = [row(world, name="丙班", number=str(k.pk), **may) for k in (first, second)]
    errors = errors_by_line(check("classes", world.bob, both))
    assert list(errors) == [3] and "2" in errors[3][0], errors
    moved_onto_new = [
        row(world, name="丙班", **may),
        row(world, name="丙班", number=str(first.pk), **may),
    ]
    errors = errors_by_line(check("classes", world.bob, moved_onto_new))
    assert list(errors) == [3] and "2" in errors[3][0], errors
    # Apart from each other, each row is fine.
    assert errors_by_line(check("classes", world.bob, both[:1])) == {}
    with pytest.raises(ValidationError):
        commit("classes", world.bob, both)
    assert set(TrainingClass.objects.values_list("name", flat=True)) == {"甲班", "乙班"}


def test_a_numbered_row_keeps_every_rule_of_a_changed_class(world):
    """An attended class keeps its dates, whatever its number's row says; a class is not
    moved into seats its institution does not have — its own old seats do not count, and
    an earlier row of the file moving another class away frees that class's seats, in the
    preview and in the engine's commit (which checks each row as it writes)."""
    from dispatch.models import Institution
    from imports import services as import_services
    from tests.dispatch.import_kit import preview

    commit("classes", world.bob, [row(world, name="甲"), row(world, name="乙", **APRIL)])
    first, second = TrainingClass.objects.order_by("pk")
    attended(first, world.cadre_a, world.a)
    [outcome] = check("classes", world.bob, [row(world, name="甲", number=str(first.pk), **APRIL)])
    assert outcome.action == Action.ERROR and len(outcome.errors) == 2  # start, end
    first.dispatches.update(attendance="")  # (not attended after all, for the seats)

    Institution.objects.filter(pk=world.school.pk).update(capacity=60)
    # Its own old seats do not count: 甲 (50 seats) moves by two days.
    later = {"start": "2027-03-03", "end": "2027-03-07", "report": "2027-03-03"}
    assert actions(
        check("classes", world.bob, [row(world, name="甲", number=str(first.pk), **later)])
    ) == [Action.UPDATE]
    may = {"start": "2027-05-01", "end": "2027-05-05", "report": "2027-05-01"}
    into_april = row(world, name="甲", number=str(first.pk), **APRIL)
    away = row(world, name="乙", number=str(second.pk), **may)
    [refused] = check("classes", world.bob, [into_april])  # 乙 holds 50 of April's 60
    assert refused.action == Action.ERROR and "60" in refused.errors[0]
    assert actions(check("classes", world.bob, [into_april, away])) == [Action.ERROR, Action.UPDATE]
    # 乙 leaving April first frees its seats for 甲, in the preview and in the commit.
    batch = preview(registry.get("classes"), world.bob, [away, into_april])
    assert (batch.rows_update, batch.rows_error) == (2, 0)
    import_services.batch_commit(actor=world.bob, batch=batch)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.start_date, second.start_date) == (dt.date(2027, 4, 1), dt.date(2027, 5, 1))
    # A class moved (and written) next to a new one counts once, by its new seats: 10 + 50.
    june = {"start": "2027-06-01", "end": "2027-06-05", "report": "2027-06-01"}
    rows = [
        row(world, name="乙", number=str(second.pk), quota="10", **june),
        row(world, name="丙", quota="50", start="2027-06-03", end="2027-06-07", report=""),
    ]
    batch = preview(registry.get("classes"), world.bob, rows)
    assert (batch.rows_update, batch.rows_create, batch.rows_error) == (1, 1, 0)
    import_services.batch_commit(actor=world.bob, batch=batch)
    assert TrainingClass.objects.get(name="丙").start_date == dt.date(2027, 6, 3)


def test_checking_numbered_rows_takes_the_same_queries_for_5_rows_as_for_50(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kind = registry.get("classes")
    commit("classes", world.bob, [row(world, name=f"班{n}") for n in range(50)])
    numbers = list(TrainingClass.objects.order_by("pk").values_list("pk", flat=True))

    def queries(n):
        rows = [
            (line, row(world, name=f"新班{line}", number=str(pk), **APRIL))
            for line, pk in enumerate(numbers[:n], start=2)
        ]
        with CaptureQueriesContext(connection) as captured:
            outcomes = list(kind.check(world.bob, rows))
        assert actions(outcomes) == [Action.UPDATE] * n
        return len(captured)

    assert queries(50) == queries(5)
