"""An institution's capacity holds for classes made on the class page or imported too, not
only for plan lines: the classes held there on overlapping dates, the seats plans hold
there and a file's own earlier rows count (`dispatch.capacity`, the one rule); two classes
saved at once cannot both take the last seats (PostgreSQL)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from dispatch import capacity
from dispatch.models import Institution, TrainingClass
from dispatch.services import training_class_save
from imports import services as import_services
from imports.kinds import Action, registry
from planning import services as planning_services
from planning.models import PlanLine
from tests.dispatch import import_kit
from tests.dispatch.import_kit import actions, check, commit, errors_by_line
from tests.factories import training_class
from tests.planning.helpers import good_sessions
from tests.racing import postgresql_only, together

CAPACITY = 100


def _start():
    """Read when asked, not when the module is collected: a run may pass midnight."""
    return timezone.localdate() + dt.timedelta(days=60)


@pytest.fixture
def school(world):
    Institution.objects.filter(pk=world.school.pk).update(capacity=CAPACITY)
    world.school.refresh_from_db()
    return world.school


def form(world, quota, start=None, days=5, name="全市年轻干部培训班"):
    start = start or _start()
    return {
        "name": name,
        "institution": world.school.pk,
        "organizer": world.city_od.pk,
        "kind": "main",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=days - 1)).isoformat(),
        "report_date": start.isoformat(),
        "location": "党校",
        "credit_hours": "40",
        "days": days,
        "quota": quota,
    }


def _new_class(world, school, quota, name="第二期"):
    start = _start()  # read once: a test may pass midnight
    return TrainingClass(
        name=name,
        institution=school,
        organizer=world.city_od,
        kind="main",
        start_date=start,
        end_date=start + dt.timedelta(days=4),
        report_date=start,
        location="党校",
        credit_hours=40,
        days=5,
        quota=quota,
    )


def plan_line(world, school, name, seats):
    """A line of the city's plan at `school` on `_start()`'s dates, of `seats` seats."""
    start = _start()  # read once: a test may pass midnight
    plan = planning_services.plan_create(
        actor=world.bob, org_department=world.city_od, year=start.year
    )
    return planning_services.line_add(
        actor=world.bob,
        plan=plan,
        name=name,
        institution=school,
        start_date=start,
        end_date=start + dt.timedelta(days=4),
        dispatch_date=timezone.localdate() + dt.timedelta(days=20),
        hours=40,
        days=5,
        seats=seats,
        mode="quota",
        allocations=[(world.a, seats)],
        sessions=good_sessions(start),
    )


def post(client, world, quota, **extra):
    client.force_login(world.bob)
    return client.post("/classes/new/", form(world, quota, **extra))


@pytest.mark.django_db
def test_the_class_page_refuses_seats_beyond_the_capacity_and_saves_nothing(world, client, school):
    training_class(world.city_od, school, _start() - dt.timedelta(days=2), days=5, quota=80)
    classes, events = TrainingClass.objects.count(), AuditEvent.objects.count()
    response = post(client, world, 30)
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["quota"])
    assert "同期最多容纳100人" in message and "已占80个名额" in message, message
    assert (TrainingClass.objects.count(), AuditEvent.objects.count()) == (classes, events)
    assert post(client, world, 20).status_code == 302  # exactly full
    # Dates that do not overlap: the whole capacity is free.
    assert post(client, world, CAPACITY, start=_start() + dt.timedelta(days=10)).status_code == 302


@pytest.mark.django_db
def test_seats_a_plan_holds_there_count(world, client, school):
    plan_line(world, school, "全市处级干部专题培训班", 70)
    response = post(client, world, 31)
    assert "已占70个名额" in " ".join(response.context["form"].errors["quota"])
    assert post(client, world, 30).status_code == 302


@pytest.mark.django_db
def test_a_class_changed_counts_without_its_own_old_seats(world, school):
    klass = training_class(world.city_od, school, _start(), days=5, quota=60)
    klass.quota = CAPACITY  # the class alone may fill the school
    training_class_save(actor=world.bob, training_class=klass)
    assert TrainingClass.objects.get(pk=klass.pk).quota == CAPACITY
    other = training_class(world.county_od, school, _start() + dt.timedelta(days=30), quota=10)
    other.start_date, other.end_date = _start(), _start() + dt.timedelta(days=4)
    with pytest.raises(ValidationError) as refused:
        training_class_save(actor=world.carol, training_class=other)
    assert "已占100个名额" in " ".join(refused.value.messages)
    assert TrainingClass.objects.get(pk=other.pk).start_date == _start() + dt.timedelta(days=30)


@pytest.mark.django_db
def test_an_institution_without_a_capacity_takes_any_class(world, client):
    assert world.school.capacity is None
    training_class(world.city_od, world.school, _start(), days=5, quota=500)
    assert post(client, world, 500).status_code == 302


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_classes_saved_at_once_cannot_both_take_the_last_seats(world, school):
    training_class(world.city_od, school, _start(), days=5, quota=40)

    def save(name):
        klass = _new_class(world, school, 50, name=name)
        return training_class_save(actor=world.bob, training_class=klass)

    outcomes = together(*(lambda n=n: save(f"第{n}期") for n in range(4)))
    kinds = sorted(kind for kind, _value in outcomes)
    assert kinds == ["error", "error", "error", "ok"], outcomes
    refusals = [v for k, v in outcomes if k == "error"]
    assert all("同期最多容纳100人" in " ".join(v.messages) for v in refusals), outcomes
    assert TrainingClass.objects.filter(institution=school).count() == 2


def import_row(world, name, start, quota, days=5):
    return {
        "name": name,
        "institution": world.school_unit.code,
        "organizer": "X组通",
        "kind": "专题班",
        "start": start.isoformat(),
        "end": (start + dt.timedelta(days=days - 1)).isoformat(),
        "report": start.isoformat(),
        "location": "党校主楼",
        "credit_hours": "40",
        "days": str(days),
        "quota": str(quota),
    }


@pytest.mark.django_db
def test_an_import_counts_the_classes_there_and_its_own_earlier_rows(world, school):
    training_class(world.city_od, school, _start(), days=5, quota=40)
    outcomes = check(
        "classes",
        world.bob,
        [
            import_row(world, "第一期", _start(), 30),  # 40 + 30 fit
            import_row(world, "第二期", _start() + dt.timedelta(days=2), 40),  # 40 + 30 + 40 do not
            import_row(world, "第三期", _start() + dt.timedelta(days=20), CAPACITY),  # later: fits
        ],
    )
    assert actions(outcomes) == [Action.CREATE, Action.ERROR, Action.CREATE]
    message = " ".join(errors_by_line(outcomes)[outcomes[1].line])
    assert "同期最多容纳100人" in message and "已占70个名额" in message, message
    with pytest.raises(ValidationError):
        commit("classes", world.bob, [import_row(world, "第二期", _start(), 61)])
    assert not TrainingClass.objects.filter(name="第二期").exists()


@pytest.mark.django_db
def test_an_imported_class_changed_does_not_count_its_own_old_seats(world, school):
    commit("classes", world.bob, [import_row(world, "第一期", _start(), 60)])
    assert actions(commit("classes", world.bob, [import_row(world, "第一期", _start(), 60)])) == [
        Action.UNCHANGED
    ]
    outcomes = commit("classes", world.bob, [import_row(world, "第一期", _start(), CAPACITY)])
    assert actions(outcomes) == [Action.UPDATE]
    assert TrainingClass.objects.get(name="第一期").quota == CAPACITY


@pytest.mark.django_db
def test_a_file_that_fits_commits_through_the_engine(world, school):
    # The commit checks each row again as it writes: the rows written before it are in
    # the database then, and counted once.
    batch = import_kit.preview(
        registry.get("classes"),
        world.bob,
        [import_row(world, "第一期", _start(), 40), import_row(world, "第二期", _start(), 60)],
    )
    assert (batch.rows_create, batch.rows_error) == (2, 0)
    import_services.batch_commit(actor=world.bob, batch=batch)
    assert TrainingClass.objects.filter(institution=school).count() == 2


@pytest.mark.django_db
def test_a_row_after_an_updated_class_counts_that_class_once(world, school):
    commit("classes", world.bob, [import_row(world, "第一期", _start(), 60)])
    moved = {**import_row(world, "第一期", _start(), 60), "location": "新校区"}
    outcomes = check("classes", world.bob, [moved, import_row(world, "第二期", _start(), 40)])
    assert actions(outcomes) == [Action.UPDATE, Action.CREATE], errors_by_line(outcomes)


@pytest.mark.django_db
def test_a_class_made_from_a_plan_line_is_changed_without_its_line_counted(world, school):
    line = plan_line(world, school, "第一期", 70)
    klass = training_class(world.city_od, school, _start(), days=5, quota=70, name="第一期")
    PlanLine.objects.filter(pk=line.pk).update(training_class=klass)
    assert capacity.seats_taken(school, _start(), _start()) == 70  # by its line, once
    assert capacity.seats_taken(school, _start(), _start(), exclude_classes=[klass.pk]) == 0
    klass.quota = 90
    training_class_save(actor=world.bob, training_class=klass)
    assert TrainingClass.objects.get(pk=klass.pk).quota == 90
    # Enlarged past its line, the class holds its 90 seats for every other class.
    assert capacity.seats_taken(school, _start(), _start()) == 90
    with pytest.raises(ValidationError) as refused:
        training_class_save(actor=world.bob, training_class=_new_class(world, school, 20))
    assert "已占90个名额" in " ".join(refused.value.messages)
