"""One verdict for an outstanding young cadre not yet rotated but within the cycle: not
met, on time — on the training record (未达标, still within the cycle, due by the
deadline) as on the page of the cycles (unmet, "not yet rotated (within the cycle)");
rotated, both say met; past the deadline, both say missed and overdue."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation
from django.utils.html import escape

from core.formatting import format_date
from dispatch.leadership import CycleStatus, cadre_cycles
from tests.factories import attended, cadre

pytestmark = pytest.mark.django_db


def young(world, name, since):
    return cadre(name, world.a, world.city_od, is_young_cadre=True, young_cadre_since=since)


def zh(message, **values) -> str:
    with translation.override("zh-hans"):
        return escape(translation.gettext(message) % values)


def cycles_page(client, status) -> set[str]:
    response = client.get(f"/compliance/cycles/?group=young&status={status}")
    assert response.status_code == 200
    return {row.name for row in response.context["page"]}


def test_not_yet_rotated_within_the_cycle_is_not_met_but_on_time(client, world):
    today = timezone.localdate()
    pending = young(world, "期内未训", since=today - relativedelta(years=1))
    rotated = young(world, "已轮训", since=today - relativedelta(years=1))
    attended(world, rotated, today - dt.timedelta(days=30))
    late = young(world, "逾期未训", since=today - relativedelta(years=6))

    [check] = cadre_cycles(pending, today)
    assert (check.met, check.on_time) == (False, True)
    [done] = cadre_cycles(rotated, today)
    assert (done.met, done.on_time) == (True, True)
    [overdue] = cadre_cycles(late, today)
    assert (overdue.met, overdue.on_time) == (False, False)

    client.force_login(world.bob)
    assert cycles_page(client, "met") == {"已轮训"}
    assert cycles_page(client, "unmet") == {"期内未训", "逾期未训"}
    report = client.get("/compliance/cycles/?group=young").context["report"]
    assert report.counts[CycleStatus.YOUNG_PENDING] == 1

    with translation.override("zh-hans"):
        page = client.get(
            f"/cadres/{pending.pk}/record/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
        deadline = format_date(today + relativedelta(years=4))
    assert "未达标" in page and "已达标" not in page
    assert zh("not yet rotated, still within the cycle: due by %(date)s", date=deadline) in page
    done_page = client.get(f"/cadres/{rotated.pk}/record/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已达标" in done_page.content.decode()
