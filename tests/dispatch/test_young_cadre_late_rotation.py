"""An outstanding young cadre rotated only after the deadline (flagged + 5 years) is
rotated late (逾期后完成): not met and not on time on the training record, a status of
its own on the page of the cycles, and not counted as 按期 in the yearly circular.
A class within the cycle counts however many classes came after it."""

import datetime as dt

import pytest

from circulars.yearly import _cycles_text
from dispatch.leadership import CycleStatus, cadre_cycles, cycle_report, leadership_compliance
from org.models import Cadre
from tests.factories import attended, cadre

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 31)
FLAGGED = dt.date(2020, 1, 1)  # the deadline: 2025-01-01


def young(world, name):
    return cadre(name, world.a, world.city_od, is_young_cadre=True, young_cadre_since=FLAGGED)


def test_a_class_after_the_deadline_is_a_late_rotation_not_an_on_time_one(world):
    late = young(world, "逾期后训")
    attended(world, late, dt.date(2026, 10, 22))  # ends 2026-10-26

    [check] = cadre_cycles(late, AS_OF)
    assert (check.met, check.on_time) == (False, False)
    assert "2026" in check.detail and "2025" in check.detail

    summary = leadership_compliance(Cadre.objects.filter(pk=late.pk), AS_OF)
    assert (summary["young"], summary["young_rotated"]) == (1, 0)
    assert (summary["young_late"], summary["young_overdue"]) == (1, 0)
    assert _cycles_text(summary) == "优秀年轻干部1人，0人已按期参加调训，1人逾期后完成调训。"

    report = cycle_report(Cadre.objects.filter(pk=late.pk), AS_OF)
    [row] = report.rows
    assert row.statuses == (CycleStatus.YOUNG_LATE,) and not row.met
    assert report.counts[CycleStatus.YOUNG_LATE] == 1 and report.counts["unmet"] == 1


def test_a_class_within_the_cycle_counts_though_a_later_one_came_after_the_deadline(world):
    both = young(world, "期内已训")
    attended(world, both, dt.date(2023, 5, 8))  # within the cycle
    attended(world, both, dt.date(2026, 10, 22))  # and again, late
    on_the_day = young(world, "到期当日")
    attended(world, on_the_day, dt.date(2024, 12, 28))  # ends on the deadline

    for person in (both, on_the_day):
        [check] = cadre_cycles(person, AS_OF)
        assert (check.met, check.on_time) == (True, True), person.name
    summary = leadership_compliance(Cadre.objects.filter(pk__in=[both.pk, on_the_day.pk]), AS_OF)
    assert (summary["young_rotated"], summary["young_late"]) == (2, 0)
    report = cycle_report(Cadre.objects.filter(pk__in=[both.pk, on_the_day.pk]), AS_OF)
    assert {row.statuses for row in report.rows} == {(CycleStatus.MET,)}


def test_the_cycles_page_shows_the_late_rotation(world, login):
    late = young(world, "逾期后训")
    attended(world, late, dt.date(2026, 10, 22))
    response = login(world.bob).get(f"/compliance/cycles/?as_of={AS_OF.isoformat()}")
    assert response.status_code == 200
    [row] = response.context["page"]
    assert row.statuses == (CycleStatus.YOUNG_LATE,)
    assert str(CycleStatus.YOUNG_LATE.label) in response.content.decode()
