"""What attending a class credits: an online class (网络专题班) is online self-study —
online hours, no days — never concentrated training, so it meets no concentrated
indicator and the stored standings stay those of the live evaluation; any other class
is concentrated hours and days. And a class holds at most 8 credit hours a day (the
filings' rule), at every door a class comes through: the class page, the service's
model check, the import."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dispatch.models import ClassKind, Dispatch, TrainingClass
from dispatch.models.classes import CLASS_HOURS_PER_DAY_MAX
from dispatch.services import attendance_record
from dispatch.services.filing import MAX_HOURS_PER_DAY
from ledger import compliance, standings
from ledger.models import HourKind, HourRecord, HourTotal
from ledger.standing_models import ComplianceStanding
from tests.dispatch.import_kit import check
from tests.factories import cadre, training_class

pytestmark = pytest.mark.django_db


def ended_class(world, kind, days, hours, name):
    """A class of `days` days that ends today: attendance may be recorded."""
    today = timezone.localdate()
    return training_class(
        world.city_od,
        world.school,
        today - dt.timedelta(days=days - 1),
        days=days,
        credit_hours=hours,
        kind=kind,
        name=name,
    )


def present(world, klass, person, leave_hours=Decimal("0")) -> HourRecord:
    dispatch = Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=person.unit,
        status="acknowledged",
        confirm_due=timezone.now(),
    )
    attendance_record(
        actor=world.rita, dispatch=dispatch, result="present", leave_hours=leave_hours
    )
    return HourRecord.objects.get(source_key=f"dispatch:{dispatch.pk}")


def rules_of(person) -> dict[str, dict]:
    row = compliance.for_cadre(person, timezone.localdate())
    return {rule["code"]: rule for rule in row["rules"]}


def test_an_online_class_credits_online_hours_and_no_days(world):
    """30 hours over 20 days at the online college: 20 concentrated days would meet group
    B's 12 days a year; they are online self-study instead, and that rule stays short."""
    klass = ended_class(world, ClassKind.ONLINE, 20, 30, "网络专题班：数字政府建设")
    record = present(world, klass, world.cadre_a)
    assert (record.kind, record.hours, record.days) == (HourKind.ONLINE, Decimal("30.0"), None)
    totals = HourTotal.objects.filter(cadre=world.cadre_a, year=record.date.year)
    assert list(totals.values_list("kind", "hours", "days")) == [
        (HourKind.ONLINE, Decimal("30.0"), Decimal("0.0"))
    ]
    concentrated = rules_of(world.cadre_a)["b-concentrated"]
    assert (concentrated["hours"], concentrated["days"]) == (0, 0)
    assert concentrated["status"] != compliance.MET


def test_an_online_class_counts_towards_the_online_requirement(world):
    leader = cadre("甲领导", world.a, world.city_od, category="county_leader")
    klass = ended_class(world, ClassKind.ONLINE, 20, 30, "网络专题班")
    present(world, klass, leader, leave_hours=Decimal("2"))
    rules = rules_of(leader)
    assert rules["a-online"]["hours"] == 28
    assert (rules["a-concentrated"]["hours"], rules["a-concentrated"]["days"]) == (0, 0)


def test_the_stored_standings_follow_an_online_class_as_the_live_evaluation(world):
    today = timezone.localdate()
    standings.recount(today)
    klass = ended_class(world, ClassKind.ONLINE, 20, 30, "网络专题班")
    present(world, klass, world.cadre_a)
    assert standings.differences(today) == []
    live = compliance.for_cadre(world.cadre_a, today)["status"]
    assert live != compliance.MET
    stored = ComplianceStanding.objects.get(as_of=today, cadre=world.cadre_a)
    assert stored.severity == compliance.SEVERITY[live]


@pytest.mark.parametrize("kind", [ClassKind.MAIN, ClassKind.THEMATIC, ClassKind.MAKEUP])
def test_any_other_class_credits_concentrated_hours_and_days(world, kind):
    klass = ended_class(world, kind, 5, 40, "专题班")
    record = present(world, klass, world.cadre_a, leave_hours=Decimal("4"))
    assert (record.kind, record.hours, record.days) == (
        HourKind.CONCENTRATED,
        Decimal("36.0"),
        Decimal("4.5"),
    )
    assert rules_of(world.cadre_a)["b-concentrated"]["days"] == pytest.approx(4.5)


# At most 8 credit hours a day.


def class_data(world, **changes):
    start = dt.date.today() + dt.timedelta(days=40)
    data = {
        "name": "一日班",
        "institution": world.school.pk,
        "organizer": world.city_od.pk,
        "kind": "main",
        "start_date": start,
        "end_date": start,
        "report_date": start,
        "location": "党校",
        "credit_hours": "500",
        "days": 1,
        "quota": 20,
    }
    data.update(changes)
    return data


def test_the_class_page_refuses_more_than_8_hours_a_day(world, login):
    client = login(world.bob)
    response = client.post("/classes/new/", class_data(world))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["credit_hours"]
    assert "8" in errors["credit_hours"][0] and "1" in errors["credit_hours"][0]
    assert not TrainingClass.objects.filter(name="一日班").exists()
    assert client.post("/classes/new/", class_data(world, credit_hours="8")).status_code == 302
    assert TrainingClass.objects.get(name="一日班").credit_hours == Decimal("8")


def test_the_rule_counts_the_class_days_at_the_filings_hours_a_day(world):
    assert CLASS_HOURS_PER_DAY_MAX == MAX_HOURS_PER_DAY  # one rule for classes and filings
    start = dt.date(2027, 3, 1)
    klass = TrainingClass(
        name="春季班",
        institution=world.school,
        organizer=world.city_od,
        start_date=start,
        end_date=start + dt.timedelta(days=4),
        report_date=start,
        location="党校",
        credit_hours=Decimal(5 * MAX_HOURS_PER_DAY),
        days=5,
        quota=30,
    )
    klass.full_clean()
    klass.credit_hours += Decimal("0.1")
    with pytest.raises(ValidationError) as refused:
        klass.full_clean()
    assert list(refused.value.message_dict) == ["credit_hours"]
    # Days out of range say so alone: no figure of hours a day is made of them.
    klass.days = 0
    with pytest.raises(ValidationError) as refused:
        klass.full_clean()
    assert "credit_hours" not in refused.value.message_dict


def test_an_import_row_of_more_than_8_hours_a_day_is_an_error(world):
    row = {
        "number": "",
        "name": "一日班",
        "institution": world.school_unit.code,
        "organizer": "X组通",
        "kind": "主体班",
        "start": "2027-03-01",
        "end": "2027-03-01",
        "report": "2027-02-28",
        "location": "党校",
        "credit_hours": "500",
        "days": "1",
        "quota": "50",
    }
    [outcome] = check("classes", world.bob, [row])
    assert outcome.errors and any("8" in error for error in outcome.errors)
    [outcome] = check("classes", world.bob, [{**row, "credit_hours": "8"}])
    assert not outcome.errors
