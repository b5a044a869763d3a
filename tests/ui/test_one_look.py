"""One look: Viewflow's task pages under the project's header and navigation, with a skip
link and a menu button for phones; 流程 lists a role only the flows it takes part in."""

import re

import pytest
from django.conf import settings

from tests.flowtools import named, open_task, process_of, request, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40, quota=100)


def header_of(page: str) -> str:
    return page.split('<div class="xd-top"', 1)[1].split("</header>", 1)[0]


def test_a_task_page_has_the_sites_header_and_no_side_menu_of_every_flow(
    world, staff, klass, client
):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    from approvals.models import ApprovalRequest

    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    task = open_task(approval_process, "head_review")
    client.force_login(world.alice)
    page = client.get(task_url(task, "assign")).content.decode()
    header = header_of(page)
    # The same header as the home page: 首页, 我的待办, 流程 → /flows/, 消息, 退出.
    for link in ('href="/"', 'href="/tasks/"', 'href="/flows/"', 'href="/inbox/"'):
        assert link in header, link
    assert "退出" in header and "菜单" in header
    assert 'class="xd-skip" href="#main"' in page and 'id="main"' in page
    # No Viewflow side drawer listing the flows a head has no part in.
    assert "mdc-drawer__header" not in page and "vf-page__menu-header" not in page
    for flow in ("点名调训", "名额推荐", "培训报备"):
        assert f">{flow}<" not in page, flow
    assert "arrow_drop_down" not in page
    # The page shares the site's stylesheet and script (the CSP allows only own files).
    assert "xundiao/site.css" in page and "xundiao/site.js" in page


def test_the_home_page_and_a_task_page_share_the_header(world, client):
    client.force_login(world.bob)
    home = client.get("/").content.decode()
    processes = client.get("/workflow/dispatch/flows/").content.decode()
    links = re.compile(r'href="(/[^"]*)"')
    assert links.findall(header_of(home)) == links.findall(header_of(processes))


def test_the_header_folds_into_a_menu_button_on_a_phone(world, client):
    client.force_login(world.alice)
    page = client.get("/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'class="xd-menu-button" aria-expanded="false" aria-controls="xd-nav"' in page
    assert '<nav id="xd-nav"' in page
    css = (settings.BASE_DIR / "core/static/xundiao/site.css").read_text(encoding="utf-8")
    narrow = css.split("@media (max-width: 760px)", 1)[1]
    assert ".js .xd-top header nav { display: none" in narrow
    assert "overflow-x: auto" in narrow  # tables scroll in their own box
    assert ":focus-visible" in css and "outline: 3px solid" in css


def test_flows_shows_a_head_only_the_flows_she_takes_part_in(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    client.force_login(world.alice)
    page = client.get("/flows/").content.decode()
    titles = re.findall(r"<h2>([^<]+)</h2>", page)
    assert titles == ["审批"], titles
    assert "1 项待办" in page


def test_flows_offers_a_dispatcher_to_start_a_roll_call_and_a_liaison_a_filing(world, client):
    client.force_login(world.bob)
    page = client.get("/flows/").content.decode()
    assert 'href="/workflow/rollcall/start/"' in page
    assert "点名调训" in page and "辖区内的流程" not in page.split("点名调训", 1)[0]


def test_flows_is_never_an_empty_list_for_someone_with_a_part(world, staff, client):
    client.force_login(staff.lily)
    page = client.get("/flows/").content.decode()
    assert 'href="/workflow/filing/start/"' in page
    assert "您尚未参与任何流程" not in page


def test_the_navigation_shows_a_role_only_the_pages_that_can_list_something(world, staff, client):
    """Roll calls, plans and surveys are an organization department's; classes and their
    feedback are also an institution's: a unit's liaison or head is not offered pages
    that could never list anything for them (the pages themselves stay filtered)."""
    organizer = {"/rollcalls/", "/surveys/", "/plans/"}
    classes = {"/classes/", "/feedback/report/"}
    for person, offered, withheld in (
        (world.bob, organizer | classes, set()),  # a dispatcher
        (staff.oscar, organizer | classes, set()),  # an org department head
        (world.rita, classes, organizer),  # the school's registrar
        (staff.lily, set(), organizer | classes),  # a unit's liaison
        (world.alice, set(), organizer | classes),  # a unit's head
    ):
        client.force_login(person)
        links = set(re.findall(r'href="([^"]+)"', header_of(client.get("/").content.decode())))
        assert offered <= links and not withheld & links, (person.username, links)
        assert "/cadres/" in links  # every role with a unit has it
        # and the cadres' dispatches, where their reach holds a cadre (not the school's)
        assert ("/dispatches/" in links) == (person != world.rita), person.username
    client.force_login(staff.lily)
    assert client.get("/rollcalls/").status_code == 200  # filtered, never refused
