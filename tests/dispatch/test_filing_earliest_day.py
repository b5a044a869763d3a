"""A filing's training starts on the first day of the previous plan period at the
earliest (dispatch.services.filing.earliest_credit_day): 1900-01-01 is a typo, refused
beside the start date, through the page's service and the API alike."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dispatch import services
from dispatch.models import Filing
from ledger.services import earliest_credit_day
from tests.api.actiontools import post
from tests.flowtools import filing_data


def test_the_earliest_day_is_the_first_of_the_previous_plan_period(settings):
    settings.XUNDIAO_PLAN_PERIOD = (dt.date(2023, 1, 1), dt.date(2027, 12, 31))
    assert earliest_credit_day(dt.date(2026, 12, 6)) == dt.date(2018, 1, 1)
    assert earliest_credit_day(dt.date(2028, 1, 15)) == dt.date(2023, 1, 1)


def _submit(world, person, **changes):
    data = filing_data(world, **changes)
    return services.filing_submit(
        actor=person,
        unit=world.a,
        title=data["title"],
        organizer_name=data["organizer_name"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        hours=data["hours"],
        participants=[world.cadre_a, world.cadre_a1],
    )


def test_a_training_of_1900_is_refused_beside_its_start_date(world, staff):
    with pytest.raises(ValidationError) as refusal:
        _submit(world, staff.lily, start_date=dt.date(1900, 1, 1), end_date=dt.date(1900, 1, 3))
    assert "1900" in refusal.value.message_dict["start_date"][0]
    assert not Filing.objects.exists()


def test_a_training_of_the_previous_plan_period_may_be_filed(world, staff, settings):
    settings.XUNDIAO_PLAN_PERIOD = (dt.date(2023, 1, 1), dt.date(2027, 12, 31))
    with time_machine.travel(dt.datetime(2026, 12, 6, 10), tick=False):
        _submit(world, staff.lily, start_date=dt.date(2018, 1, 1), end_date=dt.date(2018, 1, 3))
        with pytest.raises(ValidationError):
            _submit(
                world, staff.lily, start_date=dt.date(2017, 12, 29), end_date=dt.date(2017, 12, 31)
            )
    assert Filing.objects.count() == 1


def test_the_api_answers_400_for_a_training_of_1900(world, staff):
    body = filing_data(world)
    body.update(start_date="1900-01-01", end_date="1900-01-03")
    response = post(staff.lily, "filings/", body)
    assert response.status_code == 400
    assert "start_date" in response.json(), response.json()
    assert not Filing.objects.exists()
