"""A training-class row whose credit hours (or seats, or days) are too large for a number
the database or the decimal context holds — 1e30, 1e400, twenty nines — is an error on its
line naming the value, not an internal error that refuses the whole batch; the other rows
are judged as usual."""

import pytest

from dispatch.models import TrainingClass
from imports.kinds import Action
from tests.dispatch.import_kit import check, errors_by_line

pytestmark = pytest.mark.django_db


def row(world, name, **fields):
    values = {
        "name": name,
        "institution": world.school_unit.code,
        "organizer": "X组通",
        "start": "2027-03-01",
        "end": "2027-03-05",
        "location": "党校主楼",
        "credit_hours": "40",
        "quota": "50",
    }
    values.update(fields)
    return values


@pytest.mark.parametrize("hours", ["1e30", "1e400", "9" * 20, "9" * 30, "100000"])
def test_huge_credit_hours_are_an_error_on_their_line_naming_the_value(world, hours):
    outcomes = check(
        "classes",
        world.bob,
        [
            row(world, "好班"),  # 2
            row(world, "大班", credit_hours=hours),  # 3
            row(world, "细班", credit_hours="40.25"),  # 4
        ],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == [3, 4]
    assert len(errors[3]) == 1 and hours in errors[3][0] and "100000" in errors[3][0]
    assert "40.25" in errors[4][0]
    assert outcomes[0].action == Action.CREATE and outcomes[0].data["credit_hours"] == "40.0"
    assert not TrainingClass.objects.filter(name__in=["好班", "大班", "细班"]).exists()


def test_the_largest_hours_the_class_form_takes_are_judged_by_the_days_alone(world):
    """Not too large a number: only more than the class's five days hold (8 a day)."""
    from decimal import Decimal

    [outcome] = check("classes", world.bob, [row(world, "满班", credit_hours="99999.9")])
    held = TrainingClass(credit_hours=Decimal("99999.9"), days=5).hours_per_day_refusal()
    assert held and outcome.errors == [held]
    [outcome] = check("classes", world.bob, [row(world, "满班", credit_hours="40")])
    assert outcome.errors == [] and outcome.data["credit_hours"] == "40.0"


def test_huge_or_negative_numbers_elsewhere_in_the_row_are_errors_too(world):
    outcomes = check(
        "classes",
        world.bob,
        [
            row(world, "负班", credit_hours="-1e30"),  # 2
            row(world, "多座", quota="1e400"),  # 3
            row(world, "长班", days="1e30"),  # 4
            row(world, "好班"),  # 5
        ],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == [2, 3, 4]
    assert any("1e400" in error for error in errors[3])
    assert any("1e30" in error for error in errors[4])
    assert outcomes[3].action == Action.CREATE
