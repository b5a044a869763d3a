"""The dispatches' status filter offers what the list shows: 请假 (an approved leave,
stored as deferred) beside 缓训, each choosing its own rows only."""

import re

import pytest

from dispatch.models import Dispatch
from tests.flowtools import approved, named

pytestmark = pytest.mark.klass(name="全市专题班")


def names_listed(client, status: str) -> set[str]:
    page = client.get("/dispatches/", {"status": status}).content.decode()
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return set(re.findall(r'<td class="xd-name"[^>]*>([^<]+)</td>', body))


def test_leave_and_deferral_are_filtered_apart(world, staff, klass, client):
    approved(client, world, staff, klass, world.cadre_a, "leave")
    approved(client, world, staff, klass, world.cadre_a1, "deferral")
    client.force_login(world.bob)
    page = client.get("/dispatches/").content.decode()
    options = dict(re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', page))
    assert options["leave"] == "请假" and options["deferred"] == "缓训"
    assert names_listed(client, "leave") == {"王堃"}
    assert names_listed(client, "deferred") == {"李玥"}
    assert names_listed(client, "") == {"王堃", "李玥"}
    selected = client.get("/dispatches/", {"status": "leave"}).content.decode()
    assert '<option value="leave" selected>请假</option>' in selected


def test_an_unknown_status_lists_everything(world, klass, client):
    named(client, world, klass, world.cadre_a)
    client.force_login(world.bob)
    assert names_listed(client, "nonsense") == {"王堃"}
    assert Dispatch.objects.count() == 1
