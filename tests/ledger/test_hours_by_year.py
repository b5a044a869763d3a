"""The training record's hours by kind and year (/cadres/<id>/record/) read as the ledger
keeps hours, to one decimal place without a trailing .0 — on SQLite too, which sums
decimals as floats (308.600000000000, 0.30000000000000004)."""

import datetime as dt
import re

from django.db import connection

from tests.factories import credit


def hours_by_year(page: str) -> list[list[str]]:
    table = page[page.index('<table class="hours-by-year') :]
    table = table[: table.index("</table>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        if "<td" in row
    ]


def test_the_hours_by_kind_and_year_read_as_hours(world, login):
    this_year = dt.date.today().year
    for hours in ("100.3", "208.3"):
        credit(world.cadre_a, hours, dt.date(this_year, 1, 15))
    for hours in ("0.1", "0.2"):
        credit(world.cadre_a, hours, dt.date(this_year, 1, 20), kind="online")
    credit(world.cadre_a, "40", dt.date(this_year - 1, 6, 1))
    page = login(world.bob).get(f"/cadres/{world.cadre_a.pk}/record/").content.decode()
    assert hours_by_year(page) == [
        [str(this_year), "308.6", "0.3", "308.9"],
        [str(this_year - 1), "40", "0", "40"],
    ], connection.vendor
