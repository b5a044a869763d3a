"""A named roll call in the browser, as the demo roles do it: the dispatcher names three
cadres; the unit liaison confirms one and asks leave for another; the department head
decides on a phone with the keyboard alone; a dual-managed cadre's two organization
departments decide; the trainee acknowledges (签收) and opens the PDF; the school's
registrar records attendance; the dispatcher sees the progress and the record. Then an
outsider and an anonymous visitor are refused at every page seen."""

import datetime as dt
import io
import re

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.widgets import MultiPicker
from tests.browser.journey import (
    PHONE,
    choose,
    outsider_round,
    scrolls_sideways,
    sideways_scrollers,
    split_lines,
    tab_to,
    within_width,
)
from tests.factories import training_class, unit, user
from tests.flowtools import start_class

pytestmark = pytest.mark.klass(name="处级干部进修班")


def test_a_named_roll_call_from_the_dispatcher_to_the_record(
    journey, playwright, world, staff, klass, monkeypatch
):
    deadline = timezone.localdate() + dt.timedelta(days=10)

    # The city dispatcher names three cadres from the home page's link.
    bob = journey.sign_in(world.bob)
    journey.check(bob, "bob")
    bob.get_by_role("link", name="发起点名调训").first.click()
    bob.get_by_label("培训班次").select_option(label=klass.name)
    bob.get_by_label("答复截止时间").fill(f"{deadline.isoformat()}T17:00")
    journey.check(bob)
    choose(bob, "cadres", ["王堃", "李玥", "张喆"])
    bob.get_by_role("button", name="提交").click()
    expect(bob).not_to_have_url(re.compile(r"/start/"), timeout=30_000)

    # Naming 王堃 again for a class at the same time warns at once, before sending. With
    # the keyboard alone: search, Tab to the cadre, Space — a second search and Space keep
    # the first choice. The picker searches the server, as over a real city's cadres: the
    # busy periods of a cadre found are asked of the server too.
    training_class(klass.organizer, klass.institution, klass.start_date, name="同期专题班")
    monkeypatch.setattr(MultiPicker, "FULL_LIST_MAX", 1)
    journey.visit(bob, "/workflow/rollcall/start/")
    bob.get_by_label("培训班次").select_option(label="同期专题班")
    bob.locator(".xd-picker input[type=search]").focus()
    for name in ("李玥", "王堃"):
        bob.keyboard.press("Control+A")
        bob.keyboard.type(name)
        expect(bob.get_by_role("checkbox", name=re.compile(name))).to_be_visible()
        tab_to(bob, f"el.type === 'checkbox' && el.closest('label').textContent.includes('{name}')")
        bob.keyboard.press("Space")
        for _ in range(5):  # back to the search box
            bob.keyboard.press("Shift+Tab")
            if bob.evaluate("() => document.activeElement.type") == "search":
                break
    for name in ("李玥", "王堃"):
        expect(bob.get_by_role("checkbox", name=re.compile(name))).to_be_checked()
        expect(bob.locator(".xd-picker-chosen")).to_contain_text(name)
    expect(bob.locator("#xd-clash")).to_contain_text("王堃")
    expect(bob.locator("#xd-clash")).to_contain_text(klass.name)

    # The liaison of unit A serves A and A1: ONE announcement for the roll call in the
    # inbox, naming both units' cadres, with the numbered 调训通知 PDF attached.
    lily = journey.sign_in(staff.lily)
    journey.visit(lily, "/inbox/", "lily")
    journey.check(lily)
    announcements = lily.locator("main tbody tr").filter(has_text=f"调训通知：{klass.name}")
    expect(announcements).to_have_count(1)
    notice = announcements.get_by_role("link", name=re.compile("调训通知 .+号"))
    pdf = lily.context.request.get(journey.base + notice.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.body())).pages)
    assert "王堃" in text and "李玥" in text and klass.name in text
    journey.seen.setdefault(notice.get_attribute("href"), "lily")
    announcements.get_by_role("link", name=re.compile("调训通知：")).click()
    journey.check(lily)
    expect(lily.locator("main")).to_contain_text(world.a.name)
    expect(lily.locator("main")).to_contain_text(world.a1.name)

    # The liaison confirms 王堃 and asks leave for 李玥, the second on a phone.
    journey.task(lily, "王堃", "单位确认参训")
    journey.check(lily)
    lily.get_by_role("radio", name="确认参训").check()
    journey.submit(lily)
    expect(lily.get_by_role("status")).to_contain_text("王堃")
    lily.set_viewport_size(PHONE)
    journey.task(lily, "李玥", "单位确认参训")
    assert not scrolls_sideways(lily), "the confirmation scrolls sideways at 390 px"
    lily.get_by_role("radio", name="申请不参训").check()
    lily.get_by_label("申请类别").select_option(label="请假")
    lily.get_by_label("理由").fill("因重大项目攻坚无法脱产")
    journey.submit(lily)
    # The liaison of unit B asks leave for the dual-managed 张喆.
    luke = journey.sign_in(staff.luke)
    journey.task(luke, "张喆", "单位确认参训")
    luke.get_by_role("radio", name="申请不参训").check()
    luke.get_by_label("申请类别").select_option(label="请假")
    luke.get_by_label("理由").fill("因值守任务无法脱产")
    journey.submit(luke)

    # The head of unit A decides on a phone, with the keyboard alone.
    alice = journey.sign_in(world.alice, viewport=PHONE)
    assert not scrolls_sideways(alice), "the home page scrolls sideways at 390 px"
    # The header on a phone: 消息 and 退出 on screen, the navigation behind 菜单, each of
    # its links on one line (not one character per line).
    expect(alice.get_by_role("button", name="退出")).to_be_in_viewport()
    expect(alice.locator("header .user a").first).to_be_in_viewport()
    nav = alice.get_by_role("navigation", name="主导航")
    expect(nav).to_be_hidden()
    alice.get_by_role("button", name="菜单").click()
    expect(nav).to_be_visible()
    lines = alice.evaluate(
        """() => [...document.querySelectorAll('#xd-nav a')].map(a => {
            const r = a.getBoundingClientRect(), s = getComputedStyle(a);
            return (r.height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom))
                / parseFloat(s.lineHeight);
        })"""
    )
    assert lines and max(lines) < 1.5, lines
    journey.visit(alice, "/tasks/", "alice")
    assert not scrolls_sideways(alice), "我的待办 scrolls sideways at 390 px"
    row = alice.locator("tr.task-row").filter(has_text="李玥")
    row.get_by_role("link", name="办理").focus()
    alice.keyboard.press("Enter")
    claim = alice.get_by_role("button", name="认领并继续")
    expect(claim).to_be_focused()  # one key to go on
    journey.note(alice)
    alice.keyboard.press("Enter")
    expect(alice).to_have_url(re.compile(r"/execute/"))
    journey.check(alice)
    assert not scrolls_sideways(alice), "the decision page scrolls sideways at 390 px"
    process = alice.locator(".vf-card__breadcrumbs a").nth(1).get_attribute("href")
    # Tabs reach the decision past the header, the flow's tabs and the request (it took
    # 32 when the page had Viewflow's side menu; 17 today).
    presses = tab_to(alice, "el.name === 'decision'")
    assert presses <= 20, f"{presses} Tab presses to reach the decision"
    # Enter chooses the focused radio and does not send the form; arrow keys move within
    # the group; Space chooses too.
    # The focus shows: a 3 px ring around the focused radio.
    assert (
        alice.evaluate("() => parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
        >= 3
    )
    alice.keyboard.press("Enter")
    assert alice.evaluate("() => document.activeElement.checked")
    expect(alice).to_have_url(re.compile(r"/execute/"))
    while alice.evaluate("() => document.activeElement.value") != "approved":
        alice.keyboard.press("ArrowDown")
    alice.keyboard.press("Space")
    expect(alice.get_by_role("radio", name="同意", exact=True)).to_be_checked()
    # Enter on the chosen radio sends the form (it never unchooses it).
    alice.keyboard.press("Enter")
    expect(alice).not_to_have_url(re.compile(r"/execute/"), timeout=30_000)
    expect(alice.get_by_role("status")).to_contain_text("同意")
    assert not scrolls_sideways(alice)
    # The process page after deciding: its history fits (or scrolls in its own box).
    journey.visit(alice, process)
    expect(alice.locator("main")).to_contain_text("alice")
    assert not scrolls_sideways(alice), "the process page scrolls sideways at 390 px"
    scrollers = sideways_scrollers(alice)  # its history: a card per step, no inner scroll
    assert not scrollers, f"the process page scrolls sideways at 390 px: {scrollers}"
    cut = alice.evaluate(
        """() => [...document.querySelectorAll('main td, main th')].filter(c =>
            getComputedStyle(c).textOverflow === 'ellipsis' && c.scrollWidth > c.clientWidth
        ).map(c => c.textContent.trim())"""
    )
    assert not cut, f"cells cut short at 390 px: {cut}"
    # The approval flow's board (概览): its columns one under another on a phone.
    journey.visit(alice, "/workflow/approval/")
    expect(alice.locator(".vf-dashboard .column").first).to_be_visible()
    # (Viewflow's custom scroll bars hide the board's overflow: the columns are measured.)
    beyond = alice.evaluate(
        """() => [...document.querySelectorAll('.vf-dashboard .column')].filter(c =>
            c.getBoundingClientRect().right > window.innerWidth
        ).map(c => c.querySelector('.column-title').textContent.trim())"""
    )
    assert not beyond, f"board columns off-screen at 390 px: {beyond}"

    # The managing organization department approves 李玥's leave; 张喆's goes to his
    # unit's head, then to both departments (county managing, city co-managing).
    for person, cadre in (
        (staff.oscar, "李玥"),
        (world.charlie, "张喆"),
        (staff.olga, "张喆"),
        (staff.oscar, "张喆"),
    ):
        page = journey.sign_in(person)
        journey.task(page, cadre, "审批")
        journey.check(page)
        page.get_by_role("radio", name="同意", exact=True).check()
        journey.submit(page)
        expect(page.get_by_role("status")).to_contain_text(cadre)
        page.context.close()

    # The trainee acknowledges on a phone and opens the 入学通知.
    dave = journey.sign_in(world.dave, viewport=PHONE)
    journey.check(dave, "dave")
    assert not scrolls_sideways(dave), "the trainee's home page scrolls sideways at 390 px"
    journey.task(dave, "王堃", "签收")
    journey.check(dave)
    assert not scrolls_sideways(dave), "the 签收 form scrolls sideways at 390 px"
    link = dave.get_by_role("link", name=re.compile("PDF"))
    href = link.get_attribute("href")
    journey.seen.setdefault(href, "dave")
    pdf = dave.context.request.get(journey.base + href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert "入学通知" in text and "王堃同志" in text and klass.name in text
    dave.get_by_role("checkbox").check()
    journey.submit(dave)

    # The class starts; the registrar records 王堃's attendance.
    start_class(klass)
    rita = journey.sign_in(world.rita, viewport=PHONE)
    journey.check(rita, "rita")
    # The class's roster on a phone: a card per cadre, every field on screen, no name
    # broken over two lines.
    journey.visit(rita, f"/classes/{klass.pk}/attendance/", "rita")
    journey.check(rita)
    scrollers = sideways_scrollers(rita)
    assert not scrollers, f"the roster scrolls sideways at 390 px: {scrollers}"
    assert within_width(rita, "input[name$='-leave_hours']"), "leave hours off-screen at 390 px"
    assert not split_lines(rita), "a name broken over two lines on the roster"
    journey.task(rita, "王堃", "考勤")
    journey.check(rita)
    assert not scrolls_sideways(rita), "the attendance task scrolls sideways at 390 px"
    # The task's details: each label on one line; 提交 in the project's red.
    assert not split_lines(rita, ".xd-details-table th"), "a label broken over two lines"
    submit = rita.get_by_role("button", name="提交")
    assert submit.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(183, 28, 28)"
    rita.get_by_role("radio", name="出勤").check()
    journey.submit(rita)

    # The dispatcher sees the progress on the roll call's page and 王堃's record.
    journey.visit(bob, "/rollcalls/", "bob")
    bob.get_by_role("link", name=klass.name).first.click()
    expect(bob).to_have_url(re.compile(r"/rollcalls/\d+/$"))
    journey.check(bob)
    roll_call_page = re.sub(r"^https?://[^/]+", "", bob.url)
    progress = bob.locator("main table").filter(has_text="王堃")
    # An approved leave reads as 请假 (stored as deferred), as the circular counts it.
    for cadre, state in (("王堃", "已参训"), ("李玥", "请假"), ("张喆", "请假")):
        expect(progress.locator("tr").filter(has_text=cadre)).to_contain_text(state)
    # Who confirmed 王堃 is on the row; his name links to his record.
    expect(progress.locator("tr").filter(has_text="王堃")).to_contain_text("lily")
    progress.get_by_role("link", name="王堃").click()
    expect(bob).to_have_url(re.compile(rf"/cadres/{world.cadre_a.pk}/record/$"))
    journey.check(bob)
    expect(bob.locator("main")).to_contain_text(klass.name)

    # The dispatcher's lists on a phone: a card per row, nothing scrolling sideways; the
    # dispatches filtered to 请假 (an approved leave).
    bob.set_viewport_size(PHONE)
    for path in (roll_call_page, "/cadres/", "/dispatches/?status=leave"):
        journey.visit(bob, path, "bob")
        scrollers = sideways_scrollers(bob)
        assert not scrollers, f"{path} scrolls sideways at 390 px: {scrollers}"
        assert not split_lines(bob), f"a name broken over two lines on {path}"
    on_leave = bob.locator("main tbody")
    expect(on_leave).to_contain_text("李玥")
    expect(on_leave).to_contain_text("张喆")
    expect(on_leave).not_to_contain_text("王堃")

    # Someone with a role elsewhere, and nobody signed in, are refused at every page seen.
    elsewhere = unit("中共另一市委")
    outsider = user("olivia", "dispatcher", elsewhere)
    olivia = journey.sign_in(outsider)
    anonymous = playwright.request.new_context()
    try:
        leaks = outsider_round(journey, olivia, anonymous, ["王堃", "李玥", "张喆"])
    finally:
        anonymous.dispose()
    assert not leaks, leaks
    assert len(journey.seen) >= 15, sorted(journey.seen)
