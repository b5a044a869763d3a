"""Importing training classes (dispatch.imports_classes.ClassImport): a row with a class
number updates that class (its name and dates too), one without is known by name +
start date + institution; TrainingClass.clean's messages on their line; dates as Excel
dates or text; all or nothing; idempotent; only the organizer's dispatchers; the class
list downloaded imports back."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from dispatch.import_cells import parse_date
from dispatch.models import ClassKind, TrainingClass
from imports.kinds import Action, registry
from tests.dated import DECEMBER_2026
from tests.dispatch.import_kit import actions, attended, check, commit, errors_by_line, read
from tests.dispatch.import_kit import class_row as row

pytestmark = [pytest.mark.django_db, DECEMBER_2026]


def test_a_row_creates_a_class_then_the_same_row_leaves_it_unchanged(world):
    assert actions(commit("classes", world.bob, [row(world)])) == [Action.CREATE]
    klass = TrainingClass.objects.get(name="春季班")
    assert (klass.start_date, klass.end_date, klass.report_date) == (
        dt.date(2027, 3, 1),
        dt.date(2027, 3, 5),
        dt.date(2027, 2, 28),
    )
    assert klass.kind == ClassKind.THEMATIC
    assert (klass.credit_hours, klass.days, klass.quota) == (Decimal("40"), 5, 50)
    assert klass.organizer == world.city_od and klass.institution == world.school
    events = AuditEvent.objects.count()
    assert actions(commit("classes", world.bob, [row(world)])) == [Action.UNCHANGED]
    assert TrainingClass.objects.filter(name="春季班").count() == 1
    assert AuditEvent.objects.count() == events


def test_a_changed_row_updates_the_class_it_names(world):
    commit("classes", world.bob, [row(world)])
    outcomes = commit("classes", world.bob, [row(world, quota="80", location="新校区")])
    assert actions(outcomes) == [Action.UPDATE]
    klass = TrainingClass.objects.get(name="春季班")
    assert (klass.quota, klass.location) == (80, "新校区")
    # Without a class number, another start date is another class (with one, the
    # class moves: test_a_numbered_row_reschedules_its_class).
    other = commit("classes", world.bob, [row(world, start="2027-04-01", end="2027-04-05")])
    assert actions(other) == [Action.CREATE]
    assert TrainingClass.objects.filter(name="春季班").count() == 2


def test_dates_may_be_written_as_text_in_several_ways_or_as_excel_dates():
    assert parse_date("2027-03-01") == dt.date(2027, 3, 1)
    assert parse_date("2027/3/1") == dt.date(2027, 3, 1)
    assert parse_date("2027年3月1日") == dt.date(2027, 3, 1)
    assert parse_date("2027-03-01 00:00:00") == dt.date(2027, 3, 1)
    assert parse_date(dt.datetime(2027, 3, 1)) == dt.date(2027, 3, 1)
    assert parse_date(46447) == dt.date(2027, 3, 1)  # Excel's serial number
    assert parse_date("2027-02-30") is None
    assert parse_date("下周一") is None


def test_an_xlsx_with_date_cells_imports(world):
    kind = registry.get("classes")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([column.names()[0] for column in kind.columns])
    values = row(world)
    values.update(start=dt.date(2027, 3, 1), end=dt.datetime(2027, 3, 5), report=None)
    values.update(credit_hours=39.5, days=5, quota=50)  # at most 8 hours a day
    sheet.append([values[column.key] for column in kind.columns])
    data = io.BytesIO()
    book.save(data)
    [outcome] = list(kind.check(world.bob, read(kind, data.getvalue(), "classes.xlsx")))
    assert outcome.errors == []
    assert outcome.data["start_date"] == "2027-03-01"
    assert outcome.data["report_date"] == "2027-03-01"  # empty: the start date
    assert outcome.data["credit_hours"] == "39.5"


def test_each_row_error_is_on_its_line(world):
    clean_messages = TrainingClass(
        start_date=dt.date(2027, 3, 5),
        end_date=dt.date(2027, 3, 1),
        report_date=dt.date(2027, 3, 1),
        credit_hours=0,
        days=5,
        quota=20000,
    )
    with pytest.raises(ValidationError) as reversed_dates:
        clean_messages.clean()
    expected = reversed_dates.value.message_dict
    outcomes = check(
        "classes",
        world.bob,
        [
            row(world, name="好班"),  # 2
            row(world, name="好班"),  # 3: duplicate of line 2
            row(world, name="倒班", start="2027-03-05", end="2027-03-01"),  # 4
            row(world, name="长班", days="9"),  # 5: more days than the range
            row(world, name="满班", quota="20000"),  # 6: too many seats
            row(world, name="零班", credit_hours="0"),  # 7: hours not positive
            row(world, name="错日", start="2027-13-01"),  # 8: not a date
            row(world, name="无校", institution="nosuch"),  # 9: unknown institution
            row(world, name="无部", organizer="Y组通"),  # 10: unknown organizer
            row(world, name="怪班", kind="夜班"),  # 11: unknown kind
            row(world, name="晚报", report="2027-03-02"),  # 12: report after start
        ],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == list(range(3, 13))
    assert "2" in errors[3][0]
    assert expected["end_date"][0] in errors[4]
    assert any("天" in e or "days" in e for e in errors[5])
    assert expected["quota"][0] in errors[6]
    assert expected["credit_hours"][0] in errors[7]
    assert any("2027-13-01" in e for e in errors[8])
    assert any("nosuch" in e for e in errors[9])
    assert any("Y组通" in e for e in errors[10])
    assert any("夜班" in e for e in errors[11])
    assert len(errors[12]) == 1


def test_one_bad_row_writes_nothing(world):
    with pytest.raises(ValidationError):
        commit("classes", world.bob, [row(world, name="甲"), row(world, name="乙", quota="0")])
    assert not TrainingClass.objects.filter(name__in=["甲", "乙"]).exists()


def test_a_county_dispatcher_imports_only_the_countys_classes(world):
    outcomes = check(
        "classes",
        world.carol,
        [row(world, name="市班"), row(world, name="县班", organizer="县组通")],
    )
    assert errors_by_line(outcomes).keys() == {2}
    assert outcomes[1].action == Action.CREATE
    # A city class with the county's name and dates cannot be taken over either.
    commit("classes", world.bob, [row(world, name="市班")])
    [taken] = check("classes", world.carol, [row(world, name="市班", organizer="县组通")])
    assert taken.action == Action.ERROR


def test_only_dispatchers_may_import_classes(world):
    kind = registry.get("classes")
    assert kind.may_import(world.bob)
    assert not kind.may_import(world.rita)
    assert not kind.may_import(world.alice)


def test_checking_takes_the_same_queries_for_5_rows_as_for_50(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kind = registry.get("classes")

    def queries(n):
        rows = [(line, row(world, name=f"班{line}")) for line in range(2, n + 2)]
        with CaptureQueriesContext(connection) as captured:
            outcomes = list(kind.check(world.bob, rows))
        assert len(outcomes) == n
        return len(captured)

    assert queries(50) == queries(5)


def test_a_rows_messages_and_key_print_the_date_as_pages_do(world):
    """Dates in an import's messages read 2026年3月5日 (core.formatting), not ISO."""
    day = {"start": "2026-03-05", "end": "2026-03-09", "report": "2026-03-05"}
    outcomes = check("classes", world.bob, [row(world, **day), row(world, **day)])
    assert outcomes[0].key == "春季班（2026年3月5日）"
    [message] = errors_by_line(outcomes)[3]
    assert "2026年3月5日" in message and "2026-03-05" not in message


def test_a_class_with_recorded_attendance_keeps_its_dates_and_hours(world):
    """Its cadres are recorded present and credited its hours dated its last day: a row
    moving its end or changing its hours is an error naming each field, and nothing is
    written; its other fields may still change. A class nobody attended yet may move."""
    commit("classes", world.bob, [row(world), row(world, name="秋季班")])
    klass = TrainingClass.objects.get(name="春季班")
    attended(klass, world.cadre_a, world.a)

    moved = row(world, end="2027-03-10", days="", credit_hours="64")
    [outcome] = check("classes", world.bob, [moved])
    assert outcome.action == Action.ERROR
    fields = [str(TrainingClass._meta.get_field(f).verbose_name) for f in ("end_date", "days")]
    fields.append(str(TrainingClass._meta.get_field("credit_hours").verbose_name))
    assert len(outcome.errors) == 3
    for field, error in zip(fields, outcome.errors, strict=True):
        assert field in error and "春季班" in error
    with pytest.raises(ValidationError):
        commit("classes", world.bob, [moved])
    klass.refresh_from_db()
    assert (klass.end_date, klass.days, klass.credit_hours) == (
        dt.date(2027, 3, 5),
        5,
        Decimal("40"),
    )

    assert actions(commit("classes", world.bob, [row(world, location="新校区")])) == [Action.UPDATE]
    autumn = row(world, name="秋季班", end="2027-03-10", days="", credit_hours="64")
    assert actions(commit("classes", world.bob, [autumn])) == [Action.UPDATE]


def test_the_class_service_keeps_the_dates_and_hours_of_a_class_attended(world):
    """The same rule through `training_class_save`, the class page's service."""
    from dispatch.services import training_class_save
    from tests.factories import training_class

    klass = training_class(world.city_od, world.school, dt.date(2026, 3, 2))
    attended(klass, world.cadre_a, world.a)
    klass.end_date, klass.credit_hours = dt.date(2027, 1, 10), Decimal("200")
    with pytest.raises(ValidationError) as refused:
        training_class_save(actor=world.bob, training_class=klass)
    assert set(refused.value.message_dict) == {"end_date", "credit_hours"}
    klass.refresh_from_db()
    assert (klass.end_date, klass.credit_hours) == (dt.date(2026, 3, 6), Decimal("40"))
    klass.location = "新校区"
    training_class_save(actor=world.bob, training_class=klass)
    assert TrainingClass.objects.get(pk=klass.pk).location == "新校区"


def test_the_admin_keeps_the_dates_and_hours_of_a_class_attended(world, client):
    """The same rule through the Django admin's class form (a superuser's door): an error
    beside each field, nothing saved; other fields still change."""
    from django.contrib.auth import get_user_model
    from django.forms.models import model_to_dict

    from tests.factories import training_class

    klass = training_class(world.city_od, world.school, dt.date(2026, 3, 2))
    attended(klass, world.cadre_a, world.a)
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    url = f"/admin/dispatch/trainingclass/{klass.pk}/change/"
    data = {k: ("" if v is None else v) for k, v in model_to_dict(klass).items() if k != "id"}
    # 32 hours: the 5 days it keeps hold no more than 40 (8 a day, TrainingClass.clean).
    moved = {**data, "end_date": "2026-03-09", "credit_hours": "32"}
    response = client.post(url, moved)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"end_date", "credit_hours"}
    assert errors["end_date"][0] == f"{klass.name}已登记考勤，其结束日期不能再修改。"
    klass.refresh_from_db()
    assert (klass.end_date, klass.credit_hours) == (dt.date(2026, 3, 6), Decimal("40"))

    assert client.post(url, {**data, "location": "新校区"}).status_code == 302
    assert TrainingClass.objects.get(pk=klass.pk).location == "新校区"


def test_a_row_cutting_a_class_below_its_sessions_hours_is_an_error(world):
    from dispatch.models import ClassSession

    commit("classes", world.bob, [row(world)])
    klass = TrainingClass.objects.get(name="春季班")
    ClassSession.objects.create(
        training_class=klass,
        date=klass.start_date,
        title="党章党规党纪",
        hours=Decimal(32),
        teacher="李老师",
        content="party_spirit",
    )
    [outcome] = check("classes", world.bob, [row(world, credit_hours="24")])
    assert outcome.action == Action.ERROR
    assert outcome.errors == ["春季班的课程合计32学时，班次学时不能少于课程合计。"]
    assert actions(commit("classes", world.bob, [row(world, credit_hours="32")])) == [Action.UPDATE]


# -- rows naming their class by its number ---------------------------------------------

APRIL = {"start": "2027-04-01", "end": "2027-04-05", "report": "2027-04-01"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_class_list_downloaded_imports_back_unchanged_and_edited_moves_its_class(
    world, client, fmt
):
    import csv

    from django.db import transaction

    commit(
        "classes",
        world.bob,
        [row(world), row(world, name="县班", organizer="县组通", kind="", credit_hours="39.5")],
    )
    kind = registry.get("classes")
    client.force_login(world.bob)
    response = client.get(f"/classes/?format={fmt}")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    outcomes = list(kind.check(world.bob, read(kind, data, f"classes.{fmt}")))
    assert [(o.action, o.errors) for o in outcomes] == [(Action.UNCHANGED, [])] * 2

    klass = TrainingClass.objects.get(name="春季班")
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        sheet = book.active
        header = [cell.value for cell in sheet[1]]
        [line] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == klass.pk]
        line[header.index("开始日期")].value = dt.datetime(2027, 4, 1)
        line[header.index("结束日期")].value = dt.datetime(2027, 4, 5)
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    else:
        lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        header = lines[0]
        [line] = [r for r in lines[1:] if r[0] == str(klass.pk)]
        line[header.index("开始日期")], line[header.index("结束日期")] = "2027-04-01", "2027-04-05"
        out = io.StringIO()
        csv.writer(out).writerows(lines)
        data = out.getvalue().encode("utf-8")
    outcomes = sorted(
        kind.check(world.bob, read(kind, data, f"classes.{fmt}")), key=lambda o: o.line
    )
    moved = {o.action: o for o in outcomes}
    assert sorted(moved) == [Action.UNCHANGED, Action.UPDATE]
    with transaction.atomic():
        kind.apply(world.bob, iter(outcomes), lambda n: None)
    klass.refresh_from_db()
    assert (klass.start_date, klass.end_date, klass.report_date) == (
        dt.date(2027, 4, 1),
        dt.date(2027, 4, 5),
        dt.date(2027, 2, 28),
    )
    assert TrainingClass.objects.count() == 2


def test_the_institution_and_organizer_may_be_named_as_the_class_list_shows_them(world):
    from dispatch.models import Institution, InstitutionKind
    from tests.factories import unit

    named = row(world, institution=world.school_unit.name, organizer=world.city_od.unit.name)
    [outcome] = check("classes", world.bob, [named])
    assert outcome.action == Action.CREATE, outcome.errors
    assert (outcome.data["institution"], outcome.data["organizer"]) == (
        world.school.pk,
        world.city_od.pk,
    )
    namesake = unit(world.school_unit.name, world.county, kind=world.school_unit.kind)
    Institution.objects.create(unit=namesake, kind=InstitutionKind.PARTY_SCHOOL)
    [outcome] = check("classes", world.bob, [named])
    assert outcome.action == Action.ERROR
    assert outcome.errors == [outcome.errors[0]] and world.school_unit.name in outcome.errors[0]
    assert actions(check("classes", world.bob, [row(world)])) == [Action.CREATE]  # the code


# -- a class a plan holds, and its sessions' dates ---------------------------------------


def planned(world, klass, *, started=None):
    """A published plan whose line `klass` was made from (its roll call `started`)."""
    from planning.models import LineMode, Plan, PlanLine, PlanStatus

    plan = Plan.objects.create(
        org_department=world.city_od,
        year=2027,
        title="2027年度调训计划",
        status=PlanStatus.PUBLISHED,
    )
    fields = ("name", "institution", "kind", "start_date", "end_date", "report_date", "days")
    return PlanLine.objects.create(
        plan=plan,
        training_class=klass,
        dispatch_date=klass.report_date - dt.timedelta(days=30),
        hours=klass.credit_hours,
        seats=klass.quota,
        mode=LineMode.NAMED,
        roll_call_started_at=started,
        **{f: getattr(klass, f) for f in fields},
    )


def test_a_row_moving_a_class_a_plan_holds_is_an_error_naming_the_plan(world):
    from django.utils import timezone

    from dispatch.services.classes import training_class_save

    commit("classes", world.bob, [row(world)])
    klass = TrainingClass.objects.get(name="春季班")
    line = planned(world, klass)
    moved = row(world, number=str(klass.pk), **APRIL)
    [outcome] = check("classes", world.bob, [moved])
    assert outcome.action == Action.ERROR
    [error] = outcome.errors
    assert "春季班" in error and "2027年度调训计划（第1版）" in error
    # Other changes go through; so does the class page's, and a move once the roll
    # call has started (the line then holds nothing).
    assert actions(commit("classes", world.bob, [row(world, quota="60")])) == [Action.UPDATE]
    klass.refresh_from_db()
    klass.start_date, klass.end_date, klass.report_date = APRIL_DATES
    with pytest.raises(ValidationError, match="2027年度调训计划"):
        training_class_save(actor=world.bob, training_class=klass)
    line.roll_call_started_at = timezone.now()
    line.save()
    assert actions(commit("classes", world.bob, [moved])) == [Action.UPDATE]


APRIL_DATES = (dt.date(2027, 4, 1), dt.date(2027, 4, 5), dt.date(2027, 4, 1))


def test_a_row_moving_a_class_a_plan_holds_to_another_institution_is_an_error(world):
    from django.utils import timezone

    from dispatch.models import Institution, InstitutionKind
    from dispatch.services.classes import training_class_save
    from tests.factories import unit

    other = unit("某市行政学院", world.root, kind=world.school_unit.kind, code="xz-xy")
    academy = Institution.objects.create(unit=other, kind=InstitutionKind.PARTY_SCHOOL)
    commit("classes", world.bob, [row(world)])
    klass = TrainingClass.objects.get(name="春季班")
    line = planned(world, klass)
    moved = row(world, number=str(klass.pk), institution="xz-xy")
    [outcome] = check("classes", world.bob, [moved])
    assert outcome.action == Action.ERROR
    [error] = outcome.errors
    assert "2027年度调训计划（第1版）" in error and "培训机构" in error
    klass.institution = academy
    with pytest.raises(ValidationError) as refused:
        training_class_save(actor=world.bob, training_class=klass)
    assert list(refused.value.message_dict) == ["institution"]
    klass.refresh_from_db()
    assert klass.institution == world.school
    line.roll_call_started_at = timezone.now()
    line.save()
    assert actions(commit("classes", world.bob, [moved])) == [Action.UPDATE]


def test_a_row_moving_a_class_away_from_its_sessions_is_an_error(world):
    from dispatch.models import ClassSession

    commit("classes", world.bob, [row(world)])
    klass = TrainingClass.objects.get(name="春季班")
    for day in (1, 4):
        ClassSession.objects.create(
            training_class=klass,
            date=dt.date(2027, 3, day),
            title="党章党规党纪",
            hours=Decimal(8),
            teacher="李老师",
            content="party_spirit",
        )
    [outcome] = check("classes", world.bob, [row(world, number=str(klass.pk), **APRIL)])
    assert outcome.action == Action.ERROR
    [error] = outcome.errors
    assert "春季班" in error and "2027年3月1日" in error and "2027年3月4日" in error
    # 32 hours: 4 days hold at most 8 a day (TrainingClass.clean).
    shorter = row(world, number=str(klass.pk), end="2027-03-04", days="4", credit_hours="32")
    assert actions(commit("classes", world.bob, [shorter])) == [Action.UPDATE]
