"""A circular's figures downloaded from its task page: one line per unit and the total,
counts and rates as numbers; nobody who cannot open the task gets them."""

import datetime as dt

from circulars.models import Circular
from dispatch.models import Dispatch, DispatchStatus
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import aware, training_class
from tests.flowtools import circular_start, open_task, process_of

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def dispatched(world, klass, cadre, status):
    return Dispatch.objects.create(
        training_class=klass,
        cadre=cadre,
        unit=cadre.unit,
        status=status,
        confirm_due=aware(klass.start_date - dt.timedelta(days=3)),
    )


def draft_page(client, world):
    """The figures of Q1 (two attended and one absent in A, one attended in B), and the
    city dispatcher's draft task, claimed: its page's URL."""
    feb = training_class(world.city_od, world.school, dt.date(2026, 2, 2))
    dispatched(world, feb, world.cadre_a, DispatchStatus.ATTENDED)
    dispatched(world, feb, world.cadre_a1, DispatchStatus.ABSENT)
    dispatched(world, feb, world.cadre_b, DispatchStatus.ATTENDED)
    assert circular_start(client, world, *Q1).status_code == 302
    process = process_of(Circular.objects.latest("id"), "CircularFlow")
    draft = open_task(process, "draft")
    client.force_login(world.bob)
    client.post(f"/workflow/circular/{process.pk}/draft/{draft.pk}/assign/")
    return f"/workflow/circular/{process.pk}/draft/{draft.pk}/execute/"


def test_the_figures_download_from_the_task_page(world, client):
    url = draft_page(client, world)
    assert "format=xlsx" in client.get(url).content.decode()
    sheet = xlsx(client.get(url + "?format=xlsx"))
    rows = {r["单位"].value: r for r in by_header(sheet)}
    assert set(rows) == {world.a.name, world.a1.name, world.b.name, "合计"}
    total = rows["合计"]
    assert [c.value for c in sheet[1]][:4] == ["单位", "点名", "参训", "请假"]
    assert total["点名"].data_type == "n" and total["点名"].value == 3
    assert total["参训"].value == 2 and total["无故缺训"].value == 1
    assert rows[world.b.name]["参训率（%）"].value == 100
    assert total["参训率（%）"].value == 66.7
    csv_rows = csv_by_header(client.get(url + "?format=csv"))
    assert [r["单位"] for r in csv_rows][-1] == "合计"


def test_nobody_else_gets_the_figures(world, client):
    url = draft_page(client, world)
    for outsider in (world.charlie, world.carol, world.nobody):
        client.force_login(outsider)
        assert client.get(url + "?format=xlsx").status_code == 404
    client.logout()
    assert client.get(url + "?format=xlsx").status_code == 302
