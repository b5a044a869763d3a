"""A circular's unexcused absentees on the drafter's page of a phone: 100 names a page,
the total, no sideways scrolling, and the next page reached with the keyboard."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import Dispatch, DispatchStatus
from tests.browser.journey import PHONE, scrolls_sideways, tab_to
from tests.factories import cadre, training_class

pytestmark = pytest.mark.browser


def test_absentees_a_page_at_a_time_on_a_phone(journey, world):
    today = timezone.localdate()
    klass = training_class(world.city_od, world.school, today - dt.timedelta(days=10))
    people = [cadre(f"缺训{i:03d}", world.a, world.city_od) for i in range(150)]
    Dispatch.objects.bulk_create(
        Dispatch(
            training_class=klass,
            cadre=person,
            unit=person.unit,
            status=DispatchStatus.ABSENT,
            confirm_due=timezone.now(),
        )
        for person in people
    )
    bob = journey.sign_in(world.bob, viewport=PHONE)
    journey.visit(bob, "/workflow/circular/start/", "bob")
    bob.get_by_label("组织部门").select_option(label=world.city_od_unit.name)
    bob.get_by_label("通报周期").select_option(label="自定义时段")
    bob.get_by_label("起始日期").fill((today - dt.timedelta(days=30)).isoformat())
    bob.get_by_label("截止日期").fill(today.isoformat())
    bob.get_by_role("button", name="提交").click()
    expect(bob).not_to_have_url(re.compile(r"/start/"), timeout=30_000)
    journey.task(bob, "通报", "起草")
    preview_drawn(bob)

    names = bob.locator("#circular-absentees tbody tr")
    expect(names).to_have_count(100)
    expect(bob.get_by_text("共150人次")).to_be_visible()
    assert not scrolls_sideways(bob), "the absentee list scrolls sideways at 390 px"

    tab_to(bob, "el.tagName === 'A' && /absentees_page=2/.test(el.href)", limit=200)
    bob.keyboard.press("Enter")
    expect(bob).to_have_url(re.compile(r"absentees_page=2"))
    expect(names).to_have_count(50)
    expect(names.first).to_contain_text("缺训100")
    preview_drawn(bob)  # the page's own preview request, answered before the test ends


def preview_drawn(page):
    """The drafter's page draws its preview on loading (the live server's threads share
    one in-memory SQLite database: let it answer)."""
    expect(page.locator(".xd-circular-preview-status")).to_have_text(
        re.compile("预览已更新|预览生成失败"), timeout=60_000
    )
