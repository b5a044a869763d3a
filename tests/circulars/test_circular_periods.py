"""The period a circular reports: one that has ended (today at the latest), within the
ledger's days, of the kind its dates make, and not reported already by another circular
of the same organization department — asked alike of the dispatcher's start form, the
service and the schedule."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from circulars import periods, services
from circulars.flows import start_scheduled_circular
from circulars.models import Circular
from core.formatting import format_date
from tests.circulars.kit import issue_circular, post_start, start_circular
from tests.flowtools import process_of
from workflow.runtime import cancel_process

OCT_NOV = (dt.date(2026, 10, 1), dt.date(2026, 11, 30))


def refused(response, *fields) -> str:
    """The start form shown again with errors on `fields` (None: the form's own): the
    page."""
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"__all__" if f is None else f for f in fields}, errors
    return response.content.decode()


def next_month(today):
    start = (today.replace(day=1) + dt.timedelta(days=31)).replace(day=1)
    return start, (start + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)


# Ended -----------------------------------------------------------------------------------


def test_a_period_not_yet_ended_is_refused_and_one_ending_today_is_reported(world, client):
    today = timezone.localdate()
    for start, end in (
        (today - dt.timedelta(days=30), today + dt.timedelta(days=1)),
        (dt.date(2099, 1, 1), dt.date(2099, 12, 31)),
    ):
        page = refused(post_start(client, world, start, end), "period_end")
        assert format_date(today) in page  # "… must end by today (2026年12月5日) …"
    assert not Circular.objects.exists()
    # Today is the usual last day of a circular issued "to date".
    assert post_start(client, world, today - dt.timedelta(days=30), today).status_code == 302


def test_the_service_and_the_schedule_refuse_a_period_not_yet_ended(world):
    start, end = next_month(timezone.localdate())
    with pytest.raises(ValidationError) as caught:
        services.circular_create(
            actor=None, org_department=world.city_od, period_kind="month", start=start, end=end
        )
    assert list(caught.value.message_dict) == ["period_end"]
    with pytest.raises(ValidationError):
        start_scheduled_circular(
            org_department=world.city_od, period_kind="month", start=start, end=end
        )
    assert not Circular.objects.exists()


# Within the ledger's days ----------------------------------------------------------------


def test_days_out_of_the_ledgers_range_are_refused_not_a_server_error(world, client):
    for start, end, field in (
        (dt.date(1, 1, 1), dt.date(2026, 1, 31), "period_start"),
        (dt.date(2026, 1, 1), dt.date(9999, 12, 31), "period_end"),
    ):
        page = refused(post_start(client, world, start, end), field)
        assert "1900" in page and "9000" in page  # the ledger's own refusal
    with pytest.raises(ValidationError) as caught:
        services.circular_create(
            actor=None,
            org_department=world.city_od,
            period_kind="custom",
            start=dt.date(2026, 1, 1),
            end=dt.date(9999, 12, 31),
        )
    assert list(caught.value.message_dict) == ["period_end"]
    assert not Circular.objects.exists()


# Of the kind the dates make --------------------------------------------------------------


def test_the_period_kind_agrees_with_the_dates(world, client):
    for kind, start, end in (
        ("month", dt.date(2026, 3, 1), dt.date(2026, 5, 31)),
        ("month", dt.date(2026, 3, 2), dt.date(2026, 4, 1)),
        ("quarter", dt.date(2026, 2, 1), dt.date(2026, 4, 30)),
        ("year", dt.date(2025, 1, 1), dt.date(2025, 12, 30)),
        ("year", dt.date(2025, 7, 1), dt.date(2026, 6, 30)),
    ):
        refused(post_start(client, world, start, end, kind), "period_kind")
    assert not Circular.objects.exists()

    for kind, start, end in (
        ("month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("quarter", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        ("year", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ("custom", dt.date(2026, 3, 1), dt.date(2026, 5, 31)),
        ("custom", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),  # a quarter's dates too
    ):
        assert post_start(client, world, start, end, kind).status_code == 302
    assert [(c.period_kind, c.period_start) for c in Circular.objects.order_by("pk")] == [
        ("month", dt.date(2024, 2, 1)),
        ("quarter", dt.date(2025, 10, 1)),
        ("year", dt.date(2023, 1, 1)),
        ("custom", dt.date(2026, 3, 1)),
        ("custom", dt.date(2026, 7, 1)),
    ]
    assert not periods.kind_fits("quarter", dt.date(2026, 3, 1), dt.date(2026, 5, 31))


# Reported once ---------------------------------------------------------------------------


def test_a_period_already_reported_is_refused_naming_its_circular(world, staff, client):
    first = start_circular(client, world, *OCT_NOV)
    assert first.title in refused(post_start(client, world, *OCT_NOV), None)

    issue_circular(client, world, staff, first)
    first.refresh_from_db()
    page = refused(post_start(client, world, dt.date(2026, 11, 1), dt.date(2026, 12, 3)), None)
    assert first.title in page and first.document_number in page
    assert Circular.objects.count() == 1
    with pytest.raises(ValidationError):
        services.circular_create(
            actor=world.bob,
            org_department=world.city_od,
            period_kind="custom",
            start=dt.date(2026, 9, 1),
            end=dt.date(2026, 10, 1),
        )

    # The next days, and the same period in another department, are free.
    assert post_start(client, world, dt.date(2026, 12, 1), dt.date(2026, 12, 3)).status_code == 302
    services.circular_create(
        actor=None,
        org_department=world.county_od,
        period_kind="custom",
        start=OCT_NOV[0],
        end=OCT_NOV[1],
    )
    assert Circular.objects.count() == 3


def test_a_years_circular_sums_up_its_quarters_and_is_reported_once(world, client):
    def started(start, end, kind):
        return post_start(client, world, start, end, kind).status_code == 302

    assert started(dt.date(2025, 1, 1), dt.date(2025, 3, 31), "quarter")
    # The year's circular, with its plan and evaluation sections, over its quarters.
    assert started(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "year")
    assert started(dt.date(2025, 4, 1), dt.date(2025, 6, 30), "quarter")
    year = Circular.objects.get(period_kind="year")
    again = post_start(client, world, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "year")
    assert year.title in refused(again, None)
    refused(post_start(client, world, dt.date(2025, 3, 1), dt.date(2025, 3, 31), "month"), None)
    assert Circular.objects.count() == 3


def test_a_circular_whose_process_was_cancelled_no_longer_holds_its_period(world, client):
    first = start_circular(client, world, *OCT_NOV)
    cancel_process(process_of(first, "CircularFlow"))  # an administrator's manage action
    assert post_start(client, world, *OCT_NOV).status_code == 302
    assert Circular.objects.count() == 2


def test_the_schedule_leaves_a_period_a_dispatcher_already_reported(world, client):
    start_circular(client, world, *OCT_NOV)
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC), tick=False):
        call_command("start_circulars", period="month")  # November
    assert Circular.objects.filter(org_department=world.city_od).count() == 1
    county = Circular.objects.get(org_department=world.county_od)
    assert (county.period_start, county.period_end) == (dt.date(2026, 11, 1), OCT_NOV[1])
