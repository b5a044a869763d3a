"""Data tables that fit a phone: on the registrar's roster, the dispatches, a roll call's
page, the cadres and a process's history every cell names its column (data-label), so
that at phone width (xundiao/site.css) each row becomes a card — label beside value —
instead of a table squeezed into its own sideways scroll. The browser journey checks the
result at 390 px (tests/browser/test_named_roll_call.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from dispatch.models import Dispatch, RollCall
from tests.flowtools import at_attendance, deadline

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)

SITE_CSS = Path(settings.BASE_DIR) / "core" / "static" / "xundiao" / "site.css"


def stacked_tables(page: str) -> list[str]:
    """The tables of the page marked to stack on a phone."""
    return re.findall(r'<table class="[^"]*\bxd-stack\b[^"]*"[^>]*>.*?</table>', page, re.S)


def unlabelled_cells(table: str) -> list[str]:
    """Body cells without their column's name; a cell spanning the whole row (a message
    such as "Nothing here.") needs none."""
    body = table.split("<tbody", 1)[1]
    cells = re.findall(r"<td\b[^>]*>", body)
    return [c for c in cells if "data-label=" not in c and 'colspan="7"' not in c]


def labels(table: str) -> set[str]:
    return set(re.findall(r'data-label="([^"]+)"', table))


def test_the_registrars_roster_names_each_cell_and_the_leave_hours_field(
    world, staff, klass, client
):
    at_attendance(client, world, staff, klass)
    client.force_login(world.rita)
    page = client.get(f"/classes/{klass.pk}/attendance/").content.decode()
    (table,) = stacked_tables(page)
    assert not unlabelled_cells(table), unlabelled_cells(table)
    assert {"干部", "单位", "考勤", "认定学时", "培训期间请假学时", "状态"} <= labels(table)
    leave = re.search(r'<td data-label="培训期间请假学时">(.*?)</td>', table, re.S).group(1)
    assert re.search(r'<input type="number" name="d\d+-leave_hours"', leave)
    # The field has a name of its own (the column heading is hidden on a phone).
    assert re.search(r'<label for="id_d\d+-leave_hours" class="visually-hidden">', leave)
    assert '<td class="xd-name" data-label="干部">王堃</td>' in table  # never split


def test_the_dispatchers_lists_name_each_cell(world, staff, klass, client):
    process = at_attendance(client, world, staff, klass)
    dispatch = Dispatch.objects.get()
    client.force_login(world.bob)
    for path, expected in (
        ("/dispatches/", {"干部", "单位", "培训班次", "状态"}),
        (f"/rollcalls/{dispatch.roll_call_id}/", {"干部", "单位", "状态", "确认人"}),
        ("/cadres/", {"姓名", "单位", "职务", "主管组织部门"}),
        (f"/workflow/dispatch/{process.pk}/", {"环节", "办理人", "状态"}),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        tables = stacked_tables(response.content.decode())
        assert tables, f"{path}: no table stacks on a phone"
        for table in tables:
            assert not unlabelled_cells(table), (path, unlabelled_cells(table))
        assert expected <= set().union(*(labels(t) for t in tables)), path


def test_the_seats_of_a_quota_roll_call_have_headings(world, klass, client):
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(10),
            f"seats_{world.a.pk}": "2",
        },
    )
    page = client.get(f"/rollcalls/{RollCall.objects.get().pk}/").content.decode()
    seats = stacked_tables(page)[0]
    assert "<th>单位</th><th>名额</th><th>状态</th>" in seats
    assert f'<td data-label="单位">{world.a.name}</td><td data-label="名额">2</td>' in seats


def test_on_a_phone_stacked_tables_become_cards_and_other_tables_still_scroll():
    css = SITE_CSS.read_text(encoding="utf-8")
    phone = "\n".join(re.findall(r"@media \(max-width: 760px\) \{(.*?)\n\}", css, re.S))
    # Cards: the heading row hidden, each cell its label (data-label) then its value.
    assert "table.xd-stack thead { display: none; }" in phone
    assert "td[data-label]::before { content: attr(data-label);" in phone
    assert re.search(r"table\.xd-stack td[^{]*\{[^}]*word-break: normal", phone)
    assert re.search(r"\.xd-name[^{]*\{ word-break: keep-all; \}", phone)
    # Only unmarked tables scroll inside themselves.
    assert "main.xd-main table:not(.xd-stack)" in phone
