"""The other journeys in the browser: a quota roll call (seats → the liaison nominates →
the head and the dispatcher approve → the nominee's unit is asked to confirm), a filing
(报备) accepted by the organization department, and a circular from its start to its PDF.
Each ends with an outsider and an anonymous visitor refused at every page seen."""

import datetime as dt
import io
import re

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.journey import PHONE, choose, outsider_round, scrolls_sideways
from tests.factories import unit, user

pytestmark = pytest.mark.klass(name="处级干部进修班")


def refused_elsewhere(journey, playwright, secrets):
    outsider = user("olivia", "dispatcher", unit("中共另一市委"))
    page = journey.sign_in(outsider)
    anonymous = playwright.request.new_context()
    try:
        leaks = outsider_round(journey, page, anonymous, secrets)
    finally:
        anonymous.dispose()
    assert not leaks, leaks


def pdf_text(page, href) -> str:
    response = page.context.request.get(href)
    assert response.status == 200, (href, response.status)
    assert response.headers["content-type"] == "application/pdf"
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages)


def test_a_quota_roll_call(journey, playwright, world, staff, klass):
    deadline = timezone.localdate() + dt.timedelta(days=10)
    bob = journey.sign_in(world.bob)
    journey.visit(bob, "/workflow/rollcall/start/", "bob")
    bob.get_by_label("培训班次").select_option(label=klass.name)
    bob.get_by_role("radio", name="名额分配").check()
    bob.get_by_label("答复截止时间").fill(f"{deadline.isoformat()}T17:00")
    bob.get_by_label(world.a.name, exact=True).fill("1")
    journey.check(bob)
    bob.get_by_role("button", name="提交").click()
    expect(bob).not_to_have_url(re.compile(r"/start/"), timeout=30_000)

    # The liaison nominates one cadre for the unit's seat, on a phone.
    lily = journey.sign_in(staff.lily, viewport=PHONE)
    # 我的待办 names the class of the nomination task, and the unit.
    journey.task(lily, f"{klass.name} · {world.a.name}", "推荐")
    journey.check(lily)
    assert not scrolls_sideways(lily), "the nomination scrolls sideways at 390 px"
    choose(lily, "cadres", ["王堃"])
    journey.submit(lily)
    expect(lily.get_by_role("status")).to_contain_text("推荐")

    # The unit's head approves it, the dispatcher accepts it.
    alice = journey.sign_in(world.alice)
    journey.task(alice, world.a.name, "审核")
    journey.check(alice)
    alice.get_by_role("radio", name="同意", exact=True).check()
    journey.submit(alice)
    journey.task(bob, world.a.name, "确认或退回")
    journey.check(bob)
    bob.get_by_role("radio", name="通过").check()
    journey.submit(bob)

    # The nominee is now named: the liaison is asked to confirm 王堃.
    journey.visit(lily, "/tasks/", "lily")
    expect(lily.locator("tr.task-row").filter(has_text="王堃")).to_contain_text(klass.name)
    journey.visit(bob, "/rollcalls/", "bob")
    bob.get_by_role("link", name=klass.name).first.click()
    expect(bob).to_have_url(re.compile(r"/rollcalls/\d+/$"))
    journey.check(bob)
    expect(bob.locator("main")).to_contain_text("王堃")

    refused_elsewhere(journey, playwright, ["王堃", "李玥"])


def test_a_filing_accepted(journey, playwright, world, staff):
    start = timezone.localdate() - dt.timedelta(days=10)
    # The liaison starts it from the home page.
    lily = journey.sign_in(staff.lily)
    journey.check(lily, "lily")
    lily.get_by_role("link", name="报备培训").first.click()
    expect(lily).to_have_url(re.compile(r"/workflow/filing/start/"))
    lily.get_by_label(re.compile("^单位")).select_option(label=world.a.name)
    lily.get_by_label("培训名称").fill("发改系统业务能力提升培训")
    lily.get_by_label("主办单位").fill(world.a.name)
    lily.get_by_label("开始日期").fill(start.isoformat())
    lily.get_by_label("结束日期").fill((start + dt.timedelta(days=2)).isoformat())
    lily.get_by_label("学时").fill("24")
    choose(lily, "participants", ["王堃", "李玥"])
    journey.check(lily)
    lily.get_by_role("button", name="提交").click()
    expect(lily).not_to_have_url(re.compile(r"/start/"), timeout=30_000)

    bob = journey.sign_in(world.bob)
    journey.task(bob, "发改系统业务能力提升培训", "审核")
    journey.check(bob)
    expect(bob.locator("main")).to_contain_text("24")
    bob.get_by_role("radio", name="通过").check()
    journey.submit(bob)
    expect(bob.get_by_role("status")).to_contain_text("发改系统业务能力提升培训")

    # The accepted hours are in the participants' records.
    journey.visit(bob, f"/cadres/{world.cadre_a.pk}/record/", "bob")
    journey.check(bob)
    expect(bob.locator("main")).to_contain_text("发改系统业务能力提升培训")

    refused_elsewhere(journey, playwright, ["王堃", "李玥", "发改系统业务能力提升培训"])


def test_a_circular_to_its_pdf(journey, playwright, world, staff):
    today = timezone.localdate()
    bob = journey.sign_in(world.bob)
    journey.visit(bob, "/workflow/circular/start/", "bob")
    bob.get_by_label("组织部门").select_option(label=world.city_od_unit.name)
    bob.get_by_label("通报周期").select_option(label="自定义时段")
    bob.get_by_label("起始日期").fill((today - dt.timedelta(days=30)).isoformat())
    bob.get_by_label("截止日期").fill(today.isoformat())
    journey.check(bob)
    bob.get_by_role("button", name="提交").click()
    expect(bob).not_to_have_url(re.compile(r"/start/"), timeout=30_000)

    # The drafter keeps the generated text; the head approves it for issue.
    journey.task(bob, "通报", "起草")
    journey.check(bob)
    title = bob.get_by_label("标题").input_value()
    assert "通报" in title
    # The page drew its first-page preview on loading; submit once it has answered (the
    # live server's threads share one in-memory SQLite database).
    expect(bob.locator(".xd-circular-preview-status")).to_have_text(
        re.compile("预览已更新|预览生成失败"), timeout=60_000
    )
    journey.submit(bob)
    oscar = journey.sign_in(staff.oscar)
    journey.task(oscar, title, "审签")
    journey.check(oscar)
    oscar.get_by_role("radio", name="同意印发").check()
    journey.submit(oscar)

    # The issued circular's PDF, from the process page.
    journey.visit(bob, "/workflow/circular/", "bob")
    bob.get_by_role("link", name="查看").first.click()
    expect(bob).to_have_url(re.compile(r"/workflow/circular/\d+/$"))
    journey.check(bob)
    document = bob.locator('main a[href^="/documents/"]').first
    expect(document).to_be_visible()
    href = document.get_attribute("href")
    journey.seen.setdefault(href, "bob")
    text = pdf_text(bob, journey.base + href)
    assert "通报" in text and world.city_od_unit.name in text.replace("\n", "")

    refused_elsewhere(journey, playwright, [title])
