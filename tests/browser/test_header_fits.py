"""The header on a laptop: the city dispatcher sees the most links of anyone (sixteen), and
at 1280 and 1366 px they share one line with messages and log out — on the project's pages
and on Viewflow's — each reachable with Tab. On a phone the links still fold behind 菜单."""

import pytest
from django.utils import timezone

from notifications.models import Event, Notification
from tests.browser.journey import PHONE

pytestmark = pytest.mark.usefixtures("media")

LAPTOPS = [{"width": 1280, "height": 800}, {"width": 1366, "height": 768}]
EVERY_LINK = 16  # home, the thirteen working pages, the classes' and organizers' ones, import

# Where each of the header's items sits, and how tall the header is.
LAYOUT = """() => {
  const header = document.querySelector('.xd-top header');
  const items = [...header.querySelectorAll('.brand, nav a, .user a, .user button')]
    .filter(el => el.offsetParent !== null);
  return {
    height: header.getBoundingClientRect().height,
    links: header.querySelectorAll('nav a').length,
    rows: items.map(el => {
      const box = el.getBoundingClientRect();
      return [el.textContent.trim(), Math.round(box.top + box.height / 2)];
    }),
  };
}"""

# An item of the header as the keyboard meets it: its address (if any) and its text.
KEY = "el => (el.getAttribute('href') || '') + ' ' + el.textContent.trim()"
# The focused element, if in the header: its key, and whether it can be seen.
FOCUSED = f"""() => {{
  const el = document.activeElement;
  if (!el || !el.closest('.xd-top')) return null;
  const box = el.getBoundingClientRect();
  return {{key: ({KEY})(el), shown: box.width > 0 && box.height > 0 && box.right <= innerWidth}};
}}"""


@pytest.fixture
def dispatcher(world):
    """Bob with a long name and a two-digit unread count: the widest header there is."""
    bob = world.bob
    bob.first_name = "欧阳英雅"
    bob.save(update_fields=["first_name"])
    Notification.objects.bulk_create(
        Notification(
            key=f"header:{n}",
            recipient=bob,
            event=Event.REMINDER,
            title="提醒",
            created_at=timezone.now(),
        )
        for n in range(12)
    )
    return bob


@pytest.mark.parametrize("viewport", LAPTOPS, ids=lambda v: str(v["width"]))
def test_the_dispatchers_header_is_one_line_on_a_laptop(journey, dispatcher, viewport):
    page = journey.sign_in(dispatcher, viewport=viewport)
    for path in ("/", "/workflow/dispatch/tasks/"):
        journey.visit(page, path, dispatcher.username)
        layout = page.evaluate(LAYOUT)
        assert layout["links"] == EVERY_LINK, layout
        middles = {middle for _, middle in layout["rows"]}
        assert max(middles) - min(middles) <= 4, (path, layout["rows"])
        assert layout["height"] < 56, (path, layout["height"])


def test_every_header_item_is_reached_with_tab(journey, dispatcher):
    page = journey.sign_in(dispatcher, viewport=LAPTOPS[0])
    journey.visit(page, "/", dispatcher.username)
    expected = page.eval_on_selector_all(
        ".xd-top header nav a, .xd-top .user a, .xd-top .user button", f"els => els.map({KEY})"
    )
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    reached, hidden = [], []
    for _ in range(len(expected) + 5):  # the skip link and the brand come first
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None and reached:
            break
        if focused:
            reached.append(focused["key"])
            if not focused["shown"]:
                hidden.append(focused["key"])
    assert len(expected) == EVERY_LINK + 2  # and messages, log out
    assert [key for key in reached if key in expected] == expected
    assert not hidden, hidden


def test_on_a_phone_the_links_still_fold_behind_the_menu(journey, dispatcher):
    page = journey.sign_in(dispatcher, viewport=PHONE)
    journey.visit(page, "/", dispatcher.username)
    nav = page.locator("#xd-nav")
    assert not nav.is_visible()
    page.get_by_role("button", name="菜单").click()
    links = nav.get_by_role("link")
    assert links.count() == EVERY_LINK
    lefts = {round(links.nth(n).bounding_box()["x"]) for n in range(EVERY_LINK)}
    assert len(lefts) == 1, lefts  # one column
