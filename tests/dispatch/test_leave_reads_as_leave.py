"""An approved leave (请假) is stored as a deferred dispatch, since a makeup is owed either
way; every list shows it as 请假 — as the circular counts it — and a deferral as 缓训."""

import re

import pytest

from circulars.services import circular_figures
from tests.flowtools import approved

pytestmark = pytest.mark.klass(name="全市专题班")


def test_an_approved_leave_reads_as_leave_on_every_list_and_in_the_circular(
    world, staff, klass, client
):
    leave = approved(client, world, staff, klass, world.cadre_a, "leave")
    assert leave.get_status_display() == "请假"
    client.force_login(world.bob)
    for path in (
        f"/rollcalls/{leave.roll_call_id}/",
        "/dispatches/",
        f"/cadres/{world.cadre_a.pk}/record/",
    ):
        page = client.get(path).content.decode()
        rows = [r for r in re.findall(r"<tr.*?</tr>", page, re.S) if klass.name in r or "王堃" in r]
        rows = [r for r in rows if "<td" in r]
        assert rows and all("缓训" not in r for r in rows), (path, rows)
        assert any("请假" in r for r in rows), (path, rows)
    figures = circular_figures(
        org_department=world.city_od, start=klass.start_date, end=klass.end_date
    )
    row = next(r for r in figures["units"] if r["unit_id"] == world.a.pk)
    assert (row["leave"], row["deferred"]) == (1, 0)


def test_an_approved_deferral_still_reads_as_deferred(world, staff, klass, client):
    deferral = approved(client, world, staff, klass, world.cadre_a, "deferral")
    assert deferral.get_status_display() == "缓训"
