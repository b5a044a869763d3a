"""Starting a flow is told in a message naming what was started — the new roll call or
filing — not the start step a second time ("已办理“调训专员发起点名调训”：调训专员发起点名调训")."""

import pytest

from dispatch.models import Filing, RollCall
from tests.flowtools import filing_data, post_roll_call

pytestmark = pytest.mark.klass(name="全市专题培训班", quota=100)


def messages_of(page: str) -> str:
    return page.split('<ul class="messages"', 1)[1].split("</ul>", 1)[0]


def test_starting_a_roll_call_names_the_roll_call(world, klass, client):
    client.force_login(world.bob)
    response = post_roll_call(client, klass, [world.cadre_a])
    assert response.status_code == 302, response.content.decode()[-2000:]
    shown = messages_of(client.get(response.url).content.decode())
    roll_call = RollCall.objects.get()
    assert f"已办理“调训专员发起点名调训”：{roll_call}" in shown, shown
    assert "全市专题培训班（点名调训）" in shown, shown
    assert shown.count("调训专员发起点名调训") == 1, shown


def test_starting_a_filing_names_the_filing(world, staff, client):
    client.force_login(staff.lily)
    response = client.post("/workflow/filing/start/", filing_data(world, title="发改业务培训"))
    assert response.status_code == 302, response.content.decode()[-2000:]
    shown = messages_of(client.get(response.url).content.decode())
    assert Filing.objects.get().title == "发改业务培训"
    assert "：发改业务培训" in shown, shown
