"""Each role's main task with the keyboard alone, in a real browser: Tab and Shift+Tab to
move, Space and Enter to act, the arrow keys within a group of radios, typing into the
field that has the focus — never a click. A trainee's 签收 and a unit liaison's
confirmation and nomination on a 390 px phone, a registrar's attendance roster on a
desktop; at every control the journey stops on, the focus is on screen and shows (a ring
one can see, not cut off by a scrolling box, not covered); the outcome is read back from
the database. (The head's decision is in test_named_roll_call.py.)"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from approvals.models import ApprovalRequest
from dispatch.models import Dispatch, DispatchStatus, QuotaAllocation
from notifications.models import Notification
from tests.browser.journey import (
    EXECUTE,
    PHONE,
    assert_accessible,
    assert_focus_shown,
    key_to,
    settle,
)
from tests.dispatch.class_change_kit import by_service, moved
from tests.factories import cadre as new_cadre
from tests.flowtools import (
    act,
    deadline,
    issue_roll_call,
    open_task,
    process_of,
    start_class,
)

pytestmark = pytest.mark.klass(name="处级干部进修班")


def reach(page: Page, test: str, key: str = "Tab", limit: int = 60) -> int:
    """Press `key` until the focused element passes `test` (JavaScript on `el`); it shows."""
    presses = key_to(page, key, test, limit)
    assert_focus_shown(page)
    return presses


def press(page: Page, key: str):
    """Press `key` where the focus is; the focus (moved or not) still shows."""
    page.keyboard.press(key)
    assert_focus_shown(page)


def open_task_by_keyboard(page: Page, subject: str, title: str):
    """From the page shown (home or 我的待办): Tab to the 办理 link of the task about
    `subject` called `title`, Enter; when the task waits in a queue, Enter on 认领并继续
    (focused on arrival); the task's form, settled, the focus in its content."""
    reach(
        page,
        f"""el.tagName === 'A' && el.textContent.trim() === '办理'
            && el.closest('tr').textContent.includes({subject!r})
            && el.closest('tr').textContent.includes({title!r})""",
    )
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/(assign|execute)/"))
    settle(page)
    if "/assign/" in page.url:
        expect(page.get_by_role("button", name="认领并继续")).to_be_focused()
        assert_focus_shown(page)
        page.keyboard.press("Enter")
        expect(page).to_have_url(EXECUTE)
        settle(page)
    # The focus starts at the task's content: the first Tab goes past the header's links.
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")


def submit_by_keyboard(page: Page, name: str = "提交"):
    """Tab to the form's `name` button, Enter; the page the task was opened from."""
    reach(page, f"el.tagName === 'BUTTON' && el.textContent.trim() === {name!r}")
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(EXECUTE, timeout=30_000)


def focused_value(page: Page) -> str:
    return page.evaluate("() => document.activeElement.value")


def arrow_to(page: Page, value: str, limit: int = 6):
    """ArrowDown in the focused group of radios (or list) until `value` is chosen."""
    for _ in range(limit):
        if focused_value(page) == value:
            return
        press(page, "ArrowDown")
    assert focused_value(page) == value, (value, focused_value(page))


def confirmed(client, liaison, cadre):
    """`liaison` confirms `cadre`'s dispatch (as the task page would); the dispatch."""
    dispatch = Dispatch.objects.get(cadre=cadre)
    client.force_login(liaison)
    act(client, open_task(process_of(dispatch, "DispatchFlow"), "confirm"), {"action": "confirm"})
    return dispatch


def test_a_trainee_acknowledges_on_a_phone_with_the_keyboard(journey, world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    dispatch = confirmed(client, staff.lily, world.cadre_a)

    dave = journey.sign_in(world.dave, viewport=PHONE)
    open_task_by_keyboard(dave, "王堃", "签收")
    # The 入学通知 on the way, then the box 本人已收到通知: Space ticks it.
    reach(dave, "el.tagName === 'A' && el.textContent.includes('PDF')")
    reach(dave, "el.type === 'checkbox' && el.name === 'confirm'")
    box = dave.get_by_role("checkbox")
    expect(box).not_to_be_checked()
    press(dave, "Space")
    expect(box).to_be_checked()
    submit_by_keyboard(dave)
    expect(dave.get_by_role("status")).to_contain_text("王堃")

    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED


def test_a_liaison_signs_a_class_change_for_cadres_without_accounts_with_the_keyboard(
    journey, world, staff, klass, client, media
):
    """The class moves after the liaison confirmed two cadres who have no account: ONE
    message in the inbox lists both new 入学通知; from the home page on a phone, by
    keyboard, to the inbox, to the message, past its documents, 代为签收 — both signed."""
    without = [world.cadre_a1, new_cadre("赵一鸣", world.a, world.city_od)]
    issue_roll_call(client, world, klass, without)
    dispatches = [confirmed(client, staff.lily, person) for person in without]
    by_service(world, klass, **moved(klass))
    message = Notification.objects.get(
        recipient=staff.lily, key__startswith=f"class:{klass.pk}:changed:"
    )
    assert len(message.enclosure_ids) == 2  # both new 入学通知

    lily = journey.sign_in(staff.lily, viewport=PHONE)
    reach(lily, "el.tagName === 'A' && el.pathname === '/inbox/'")
    lily.keyboard.press("Enter")
    expect(lily).to_have_url(re.compile(r"/inbox/$"))
    assert_accessible(lily)
    reach(lily, f"el.tagName === 'A' && el.pathname === '/inbox/{message.pk}/'")
    lily.keyboard.press("Enter")
    expect(lily).to_have_url(re.compile(rf"/inbox/{message.pk}/$"))
    assert_accessible(lily)
    # Each new notice enclosed, reached in turn, then the one button that signs them all.
    for doc_pk in message.enclosure_ids:
        reach(
            lily, f"el.tagName === 'A' && el.pathname === '/inbox/{message.pk}/documents/{doc_pk}/'"
        )
    reach(lily, "el.tagName === 'BUTTON' && el.textContent.trim() === '代为签收'")
    lily.keyboard.press("Enter")
    expect(lily.locator(".acknowledged")).to_contain_text("签收")

    for dispatch in dispatches:
        dispatch.refresh_from_db()
        assert dispatch.status == DispatchStatus.ACKNOWLEDGED, dispatch.cadre.name


def test_a_liaison_confirms_and_requests_leave_on_a_phone_with_the_keyboard(
    journey, world, staff, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    lily = journey.sign_in(staff.lily, viewport=PHONE)
    open_task_by_keyboard(lily, "王堃", "确认参训")

    # The form came by Turbo (after 认领并继续): the menu button still opens the
    # navigation, and closes it.
    menu = lily.get_by_role("button", name="菜单")
    reach(lily, "el.classList.contains('xd-menu-button')", key="Shift+Tab", limit=30)
    press(lily, "Enter")
    expect(lily.get_by_role("navigation", name="主导航")).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    press(lily, "Enter")
    expect(lily.get_by_role("navigation", name="主导航")).to_be_hidden()

    # The answer: Tab into the group (on the radio Chromium keeps for it), the arrow keys
    # move and choose, both ways.
    reach(lily, "el.name === 'action'")
    first = focused_value(lily)
    press(lily, "ArrowDown")
    assert focused_value(lily) != first
    expect(lily.locator("input[name=action]:checked")).to_have_value(focused_value(lily))
    press(lily, "ArrowUp")
    assert focused_value(lily) == first
    arrow_to(lily, "confirm")
    expect(lily.get_by_role("radio", name="确认参训")).to_be_checked()
    # The request's fields show only for a request.
    expect(lily.get_by_label("申请类别")).to_be_hidden()
    expect(lily.get_by_label("理由")).to_be_hidden()
    submit_by_keyboard(lily)
    expect(lily.get_by_role("status")).to_contain_text("王堃")

    # Leave for 李玥: the kind chosen with the arrow keys, the reason typed.
    open_task_by_keyboard(lily, "李玥", "确认参训")
    reach(lily, "el.name === 'action'")
    arrow_to(lily, "request")
    expect(lily.get_by_role("radio", name="申请不参训")).to_be_checked()
    expect(lily.get_by_label("申请类别")).to_be_visible()
    reach(lily, "el.name === 'kind'")
    arrow_to(lily, "leave")
    expect(lily.get_by_label("申请类别")).to_have_value("leave")
    reach(lily, "el.name === 'reason'")
    lily.keyboard.type("因重大项目攻坚无法脱产")
    submit_by_keyboard(lily)
    expect(lily.get_by_role("status")).to_contain_text("李玥")

    wang = Dispatch.objects.get(cadre=world.cadre_a)
    li = Dispatch.objects.get(cadre=world.cadre_a1)
    assert wang.status in (DispatchStatus.CONFIRMED, DispatchStatus.NOTIFIED)
    assert li.status == DispatchStatus.REQUESTED
    leave = ApprovalRequest.objects.get(subject_id=li.pk)
    assert (leave.kind, leave.reason) == ("leave", "因重大项目攻坚无法脱产")


def test_a_liaison_nominates_on_a_phone_with_the_keyboard(journey, world, staff, klass, client):
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(10),
            f"seats_{world.a.pk}": "1",
        },
    )
    assert response.status_code == 302
    lily = journey.sign_in(staff.lily, viewport=PHONE)
    open_task_by_keyboard(lily, world.a.name, "推荐")

    # The picker's filter: type, Tab to the one cadre left, Space; Shift+Tab back to the
    # filter, another name: the first choice stays.
    reach(lily, "el.type === 'search'")
    lily.keyboard.type("王堃")
    wang = lily.get_by_role("checkbox", name=re.compile("王堃"))
    li = lily.get_by_role("checkbox", name=re.compile("李玥"))
    expect(li).to_be_hidden()
    reach(lily, "el.type === 'checkbox'", limit=1)
    expect(wang).to_be_focused()
    press(lily, "Space")
    expect(wang).to_be_checked()
    reach(lily, "el.type === 'search'", key="Shift+Tab", limit=1)
    lily.keyboard.press("Control+A")
    lily.keyboard.type("李玥")
    expect(li).to_be_visible()
    expect(wang).to_be_visible()
    expect(wang).to_be_checked()
    expect(lily.locator(".xd-picker-chosen")).to_contain_text("王堃")
    submit_by_keyboard(lily)
    expect(lily.get_by_role("status")).to_contain_text("推荐")

    allocation = QuotaAllocation.objects.get(unit=world.a)
    assert list(allocation.nominees.all()) == [world.cadre_a]


def test_a_registrar_records_the_roster_with_the_keyboard(journey, world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    for cadre in (world.cadre_a, world.cadre_a1):
        dispatch = confirmed(client, staff.lily, cadre)
        task = open_task(process_of(dispatch, "DispatchFlow"), "acknowledge")
        client.force_login(task.owner or staff.lily)
        act(client, task, {"confirm": "on"})
    start_class(klass)
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    li = Dispatch.objects.get(cadre=world.cadre_a1)

    # From the home page to the class, from the class to its roster.
    rita = journey.sign_in(world.rita)
    reach(rita, f"el.tagName === 'A' && el.pathname === '/classes/{klass.pk}/'")
    rita.keyboard.press("Enter")
    expect(rita).to_have_url(re.compile(rf"/classes/{klass.pk}/$"))
    reach(rita, f"el.tagName === 'A' && el.pathname === '/classes/{klass.pk}/attendance/'")
    rita.keyboard.press("Enter")
    expect(rita).to_have_url(re.compile(rf"/classes/{klass.pk}/attendance/$"))

    # 王堃 absent: Tab lands on his group's chosen radio (出勤), ArrowDown chooses 缺训.
    reach(rita, f"el.name === 'd{wang.pk}-result'")
    group = rita.get_by_role("radiogroup", name=re.compile("王堃"))
    expect(group.get_by_role("radio", name="出勤")).to_be_focused()
    press(rita, "ArrowDown")
    expect(group.get_by_role("radio", name="缺训")).to_be_checked()
    # 李玥 present, 4 of the 40 hours on leave.
    reach(rita, f"el.name === 'd{li.pk}-leave_hours'")
    rita.keyboard.press("Control+A")
    rita.keyboard.type("4")
    reach(rita, "el.tagName === 'BUTTON' && el.textContent.trim() === '登记全部考勤'")
    rita.keyboard.press("Enter")
    expect(rita.get_by_role("status")).to_contain_text("2")
    roster = rita.locator("main tbody")
    expect(roster.locator("tr").filter(has_text="王堃")).to_contain_text("缺训")
    expect(roster.locator("tr").filter(has_text="李玥")).to_contain_text("36")

    wang.refresh_from_db()
    li.refresh_from_db()
    assert wang.status == DispatchStatus.ABSENT
    assert (li.status, li.leave_hours, li.hours_credited) == (
        DispatchStatus.ATTENDED,
        Decimal("4"),
        Decimal("36"),
    )
