"""What every journey does in the browser: sign in as a role in its own context (cookies),
find a task in 我的待办, check every page it opens or is shown for critical and serious
accessibility violations (axe-core) and for sideways scrolling, and remember each URL seen
for the outsider's round."""

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
EXECUTE = re.compile(r"/execute/")


def axe_source() -> str:
    if not AXE.exists():
        raise AssertionError(
            "axe-core is missing: scripts/install-system-packages.sh --browser installs it "
            "(npm ci in tests/browser)"
        )
    return AXE.read_text(encoding="utf-8")


class Journey:
    def __init__(self, browser: Browser, live_server):
        self.browser = browser
        self.base = live_server.url
        self.seen: dict[str, str] = {}  # path -> who saw it
        self._contexts = []

    # -- people ---------------------------------------------------------------------------

    def sign_in(self, user, *, viewport=None, password=None) -> Page:
        context = self.browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
        )
        page = context.new_page()
        self._contexts.append((user.username, context))
        page.goto(self.base + "/accounts/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(password or "pw-" + user.username)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_label("用户名")).to_have_count(0)
        page.wait_for_load_state()  # the home page whole, before any key is pressed on it
        return page

    def pages(self):
        """(username, page) of every page still open."""
        return [(who, page) for who, context in self._contexts for page in context.pages]

    def close(self):
        for _, context in self._contexts:
            try:
                context.close()
            except Exception:  # already closed by the test
                pass

    # -- pages ----------------------------------------------------------------------------

    def visit(self, page: Page, path: str, who: str = ""):
        """Open `path`: shown (200), accessible (check), remembered."""
        response = page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        self.check(page, who)
        return response

    def note(self, page: Page, who: str = ""):
        """Remember the page's path for the outsider's round."""
        path = re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]
        self.seen.setdefault(path, who)

    def check(self, page: Page, who: str = ""):
        """The page as shown now: no critical or serious accessibility violation,
        remembered."""
        self.note(page, who)
        assert_accessible(page)

    def task(self, page: Page, subject: str, title: str = "") -> Page:
        """Open the task about `subject` (called `title`) from 我的待办, claiming it first
        when it waits in a queue; the task's form."""
        self.visit(page, "/tasks/")
        rows = page.locator("tr.task-row").filter(has_text=subject)
        if title:
            rows = rows.filter(has_text=title)
        expect(rows.first).to_be_visible()
        rows.first.get_by_role("link", name="办理").click()
        expect(page).to_have_url(re.compile(r"/(assign|execute)/"))
        settle(page)
        claim = page.get_by_role("button", name="认领并继续")
        if claim.count():
            self.note(page)
            claim.click()
        expect(page).to_have_url(EXECUTE)
        self.note(page)
        return page

    def submit(self, page: Page, button: str = "提交"):
        """Submit the task's form; back on the page the task was opened from. Waits for the
        page's own requests (a preview, the chart) first: the live server's threads share
        one in-memory SQLite connection."""
        page.wait_for_load_state("networkidle")
        page.get_by_role("button", name=button).click()
        expect(page).not_to_have_url(EXECUTE, timeout=30_000)
        return page


# The impacts axe-core gives that fail a journey: of its four (minor, moderate, serious,
# critical), the two that keep someone from using the page — unreadable text (contrast
# below 4.5:1), a list or focus order a screen reader gets wrong, a field without a name.
FAILING_IMPACTS = ("critical", "serious")

# Violations known today, (axe rule, element), each awaiting its fix in the pages; every
# other critical or serious violation fails the journey. None is known today.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()


def settle(page: Page):
    """Wait until the page is quiet: Viewflow's pages navigate with Turbo (fetch, no load
    event; `aria-busy` on <html> meanwhile) and fetch their chart after loading."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.documentElement.hasAttribute('aria-busy')")


def assert_accessible(page: Page):
    settle(page)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    violations = page.evaluate(
        """async impacts => {
            const result = await window.axe.run(document, {resultTypes: ['violations']});
            return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                html: v.nodes.slice(0, 5).map(n => n.html.slice(0, 200)),
            }));
        }""",
        list(FAILING_IMPACTS),
    )
    violations = [
        v for v in violations if any((v["id"], node) not in KNOWN_VIOLATIONS for node in v["nodes"])
    ]
    assert not violations, (page.url, violations)


def choose(page: Page, field: str, names: list[str]):
    """Choose the people called `names` in the multiple-choice field `field` (its input
    name), whichever widget it is: a multi-select, or a list of checkboxes (a picker)."""
    select = page.locator(f"select[name={field}]")
    if select.count():
        options = [select.locator("option", has_text=name).first.text_content() for name in names]
        select.select_option(label=options)
        return
    for name in names:
        page.get_by_role("checkbox", name=re.compile(re.escape(name))).first.check()


def scrolls_sideways(page: Page) -> bool:
    """The page is wider than the window (a table or field too wide for a phone)."""
    settle(page)
    return page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")


def sideways_scrollers(page: Page) -> list[str]:
    """Whatever scrolls sideways at the window's width: the page itself, and every element
    that scrolls its own content sideways (overflow auto or scroll, content wider than the
    box — a table squeezed into its own scroll box); each named with its widths."""
    settle(page)
    return page.evaluate(
        """() => {
            const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + [...el.classList].map(c => '.' + c).join('');
            const found = [];
            if (document.documentElement.scrollWidth > window.innerWidth) {
                found.push(`document ${document.documentElement.scrollWidth}>${window.innerWidth}`);
            }
            for (const el of document.querySelectorAll('body *')) {
                const overflow = getComputedStyle(el).overflowX;
                if ((overflow === 'auto' || overflow === 'scroll')
                    && el.scrollWidth > el.clientWidth + 1) {
                    found.push(`${name(el)} ${el.scrollWidth}>${el.clientWidth}`);
                }
            }
            return found;
        }"""
    )


def split_lines(page: Page, selector: str = ".xd-name") -> list[str]:
    """The texts of `selector` (people's names unless told) broken over more than one
    line."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)].filter(el => {
            // the lines of its text (not the boxes of a link inside it, taller than a line)
            const tops = new Set();
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const range = document.createRange();
                range.selectNodeContents(node);
                for (const r of range.getClientRects()) {
                    if (r.width) tops.add(Math.round(r.top));
                }
            }
            return tops.size > 1;
        }).map(el => el.textContent.trim())""",
        selector,
    )


def small_targets(page: Page) -> list[str]:
    """Links, buttons and fields smaller than 24 × 24 px (WCAG 2.5.8), each as
    "tag|text|W×H"; a link inside a sentence or a cell with more text is excepted, as
    the criterion does (its size is the line's)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                'a[href], button, input:not([type=hidden]), select, summary, [role=button]')]
            .filter(el => {
                const r = el.getBoundingClientRect();
                if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') {
                    return false;
                }
                if (r.width >= 24 && r.height >= 24) return false;
                const text = el.closest('p, li, td, dd');
                return !(el.tagName === 'A' && text
                    && text.textContent.trim().length > el.textContent.trim().length + 2);
            })
            .map(el => {
                const r = el.getBoundingClientRect();
                const text = (el.textContent || el.value || el.getAttribute('aria-label') || '');
                return `${el.tagName.toLowerCase()}|${text.trim().slice(0, 20)}|`
                    + `${Math.round(r.width)}×${Math.round(r.height)}`;
            })"""
    )


def within_width(page: Page, selector: str) -> bool:
    """The first element matching `selector` lies within the window's width (seen without
    scrolling sideways, whatever the height)."""
    return page.evaluate(
        """selector => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
        }""",
        selector,
    )


def tab_to(page: Page, test: str, limit: int = 60) -> int:
    """Press Tab until the JavaScript predicate `test` (on document.activeElement) holds;
    how many presses it took."""
    return key_to(page, "Tab", test, limit)


# Pages every signed-in person has (their own lists, filtered to their jurisdiction).
PERSONAL = re.compile(r"^/(tasks/|inbox/|\?|$)")


def outsider_round(journey: Journey, outsider_page: Page, anonymous, secrets: list[str]):
    """Every path the journey saw, asked by someone outside its jurisdiction and by nobody
    signed in: an object's page is refused (403 or 404), a list shows none of `secrets`,
    and the anonymous request is sent to the login page. The paths that were not."""
    leaks = []
    for path in sorted(journey.seen):
        url = journey.base + path
        response = outsider_page.context.request.get(url, max_redirects=0)
        if re.search(r"/\d+/", path):
            if response.status not in (403, 404):
                leaks.append((path, response.status))
        elif not PERSONAL.match(path):
            body = response.text() if response.status == 200 else ""
            shown = [s for s in secrets if s in body]
            if response.status not in (200, 403, 404) or shown:
                leaks.append((path, response.status, shown))
        response = anonymous.get(url, max_redirects=0)
        location = response.headers.get("location", "")
        if response.status != 302 or "/accounts/login/" not in location:
            leaks.append((path, "anonymous", response.status, location))
    return leaks


def key_to(page: Page, key: str, test: str, limit: int = 60) -> int:
    """Press `key` (Tab, Shift+Tab, ArrowDown …) until the JavaScript predicate `test` (on
    document.activeElement) holds; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        # No element while a page is still being parsed (no body yet): not reached.
        predicate = f"() => {{ const el = document.activeElement; return !!el && !!({test}); }}"
        if page.evaluate(predicate):
            return presses
    raise AssertionError(f"{test} not reached with {limit} {key} presses on {page.url}")


def focus_problems(page: Page) -> list[str]:
    """What keeps the focused element from being seen, as someone on the keyboard needs
    it: nothing focused, not drawn, no focus ring (an outline of 2 px or more, or a box
    shadow) or one of less than 3:1 against what lies behind it, outside the window (not
    scrolled into view), its ring cut off by a box that clips or scrolls, or covered by
    another element. Empty when it shows."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body || el === document.documentElement) {
                return ['nothing is focused'];
            }
            const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (e.name ? `[name=${e.name}]` : '') + [...e.classList].map(c => '.' + c).join('');
            const problems = [];
            const style = getComputedStyle(el);
            const r = el.getBoundingClientRect();
            if (!r.width || !r.height || style.visibility !== 'visible') problems.push('not drawn');
            if (!el.matches(':focus-visible')) problems.push('not :focus-visible');
            const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
            const luminance = ([r, g, b]) => [r, g, b].map(v => {
                v /= 255;
                return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
            }).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
            const outline = style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0;
            let ring = 0;
            if (outline >= 2) {
                ring = outline + Math.max(0, parseFloat(style.outlineOffset) || 0);
                let behind = 'rgb(255, 255, 255)';
                for (let a = el.parentElement; a; a = a.parentElement) {
                    const bg = getComputedStyle(a).backgroundColor;
                    if (rgb(bg).length === 3 || rgb(bg)[3] > 0.5) { behind = bg; break; }
                }
                const [l1, l2] = [luminance(rgb(style.outlineColor)), luminance(rgb(behind))];
                const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
                if (ratio < 3) {
                    problems.push(`focus ring ${style.outlineColor} on ${behind}: ${ratio}:1`);
                }
            } else if (style.boxShadow === 'none') {
                problems.push(`no focus ring (outline ${style.outlineStyle})`);
            }
            const box = {
                left: r.left - ring, top: r.top - ring,
                right: r.right + ring, bottom: r.bottom + ring,
            };
            if (box.left < 0 || box.top < 0 || box.right > innerWidth || box.bottom > innerHeight) {
                const at = `${Math.round(r.left)},${Math.round(r.top)}`;
                problems.push(`outside the window (${at} in ${innerWidth}×${innerHeight})`);
            }
            for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
                const s = getComputedStyle(a);
                if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
                const ar = a.getBoundingClientRect();
                const left = ar.left + a.clientLeft, top = ar.top + a.clientTop;
                const cutX = s.overflowX !== 'visible'
                    && (box.left < left - 0.5 || box.right > left + a.clientWidth + 0.5);
                const cutY = s.overflowY !== 'visible'
                    && (box.top < top - 0.5 || box.bottom > top + a.clientHeight + 0.5);
                if (cutX || cutY) problems.push(`focus ring cut off by ${name(a)}`);
            }
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            if (hit && hit !== el && !el.contains(hit) && hit.control !== el) {
                problems.push(`covered by ${name(hit)}`);
            }
            return problems.map(p => `${name(el)}: ${p}`);
        }"""
    )


def assert_focus_shown(page: Page):
    """The focused element is on screen, uncovered, with a focus ring one can see."""
    problems = focus_problems(page)
    assert not problems, (page.url, problems)
