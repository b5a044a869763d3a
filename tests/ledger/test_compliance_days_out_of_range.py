"""A compliance report asked for a day outside years 1900–9000 (the plan's cycles are
found by adding years, which would leave the calendar) gets the period form back with a
clear error on the field — on the page, for its exports and from the command — never a
500."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from ledger import compliance
from ledger.standing_models import ComplianceDay

REFUSAL = compliance.day_refusal(dt.date(9999, 12, 31))


def test_the_first_and_last_days_are_accepted_and_the_days_beyond_refused():
    assert compliance.day_refusal(None) is None
    assert compliance.day_refusal(dt.date(1900, 1, 1)) is None
    assert compliance.day_refusal(dt.date(9000, 12, 31)) is None
    for day in (dt.date(1899, 12, 31), dt.date(9001, 1, 1), dt.date(1, 1, 1), dt.date.max):
        assert compliance.day_refusal(day) == REFUSAL
    assert "1900" in REFUSAL and "9000" in REFUSAL
    # Within the bounds the evaluation holds: the cycle of the last day is found.
    assert compliance.cycle_for(dt.date(9000, 12, 31))[1].year == 9002


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("as_of=9999-12-31", "as_of"),
        ("as_of=9999-12-31&format=xlsx", "as_of"),
        ("since=0001-01-01", "since"),
        ("since=0001-01-01&as_of=0001-01-02&format=csv", "since"),
    ],
)
def test_the_page_shows_the_error_on_the_field(world, login, query, field):
    response = login(world.alice).get(f"/compliance/?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    period = response.context["period"]
    assert period.errors[field] == [REFUSAL]
    assert REFUSAL in response.content.decode()
    assert response.context["as_of"] is None and not list(response.context["page"])


def test_a_day_within_the_bounds_is_evaluated(world, login):
    response = login(world.alice).get("/compliance/?as_of=9000-12-31&since=1900-01-01")
    assert response.status_code == 200 and response.context["period"].is_valid()
    assert response.context["as_of"] == dt.date(9000, 12, 31)


def test_the_command_refuses_a_day_out_of_range(world):
    with pytest.raises(CommandError, match="--as-of"):
        call_command("recount_compliance", "--as-of", "9999-12-31")
    assert not ComplianceDay.objects.exists()
