"""Forms laid out as tables (form.as_table) at 390 px: each label above its field, no
field cut off at the right or scrolling sideways, every control at least 40 px tall (a
finger hits it); Escape closes the phone's open menu and gives the focus back to its
button; Viewflow's floating button never covers the control that has the focus (the
focus scrolls clear of its band, and the page ends below it); Viewflow's task pages big
enough to tap."""

import pytest

from dispatch.models import Dispatch
from planning import services as planning
from tests.browser.journey import PHONE, sideways_scrollers, small_targets
from tests.flowtools import issue_roll_call, open_task, process_of

pytestmark = [pytest.mark.klass(name="处级干部进修班"), pytest.mark.usefixtures("media")]

LAYOUT = """() => [...document.querySelectorAll('main form > table tr')].flatMap(tr => {
    const th = tr.querySelector('th'), td = tr.querySelector('td');
    if (!th || !td) { return []; }
    const a = th.getBoundingClientRect(), b = td.getBoundingClientRect();
    const out = [];
    if (b.top < a.bottom - 1) { out.push(`beside: ${th.textContent.trim()}`); }
    for (const c of td.querySelectorAll('input:not([type=hidden]), select, textarea')) {
        const r = c.getBoundingClientRect();
        if (r.right > window.innerWidth + 0.5) { out.push(`cut: ${c.name} ${r.right}`); }
        if (!['radio', 'checkbox'].includes(c.type) && r.height < 39.5) {
            out.push(`short: ${c.name} ${r.height}`);
        }
    }
    return out;
})"""


def test_forms_fit_a_phone(journey, world, klass):
    plan = planning.plan_create(actor=world.bob, org_department=world.city_od, year=2027)
    page = journey.sign_in(world.bob, viewport=PHONE)
    found = {}
    for path in (
        f"/classes/{klass.pk}/edit/",
        "/cadres/new/",
        f"/plans/{plan.pk}/lines/add/",
    ):
        journey.visit(page, path, "bob")
        assert page.locator("main form > table tr").count() > 3, path
        problems = [*page.evaluate(LAYOUT), *sideways_scrollers(page)]
        if problems:
            found[path] = problems
    assert not found, found


def test_escape_closes_the_phone_menu(journey, world):
    page = journey.sign_in(world.bob, viewport=PHONE)
    journey.visit(page, "/", "bob")
    button = page.locator(".xd-top .xd-menu-button")
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.locator(".xd-top nav").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('xd-menu-button')")


COVERED = """() => {
    // The focused control reaches down into the floating button's band (a button to its
    // left today may sit under it on a wider column tomorrow): it must scroll clear.
    const fab = document.querySelector('.mdc-fab');
    const el = document.activeElement;
    if (!fab || !el || el === document.body || fab.contains(el)) { return null; }
    const a = fab.getBoundingClientRect(), b = el.getBoundingClientRect();
    const name = (el.textContent || el.tagName).trim();
    return b.bottom <= a.top ? null : `${name} ${b.bottom}>${a.top}`;
}"""


def test_the_floating_button_never_covers_the_focus(journey, world, staff, klass, client):
    from tests.factories import cadre
    from tests.flowtools import issue_roll_call

    many = [cadre(f"干部{i}", world.a, world.city_od) for i in range(16)]
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1, *many])
    page = journey.sign_in(world.bob, viewport=PHONE)
    journey.visit(page, "/workflow/dispatch/", "bob")
    assert page.locator(".mdc-fab").count() == 1
    covered = []
    for _step in range(60):
        page.keyboard.press("Tab")
        if (name := page.evaluate(COVERED)) is not None:
            covered.append(name)
    assert not covered, covered


def test_task_pages_are_big_enough_to_tap(journey, world, staff, klass, client):
    """Viewflow's pages at 390 px: the breadcrumbs, the roll call's fields and the claim
    page — every link, button and field at least 24 px (WCAG 2.5.8)."""
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    process = process_of(Dispatch.objects.get(cadre=world.cadre_a), "DispatchFlow")
    task = open_task(process, "confirm")
    found = {}
    for person, paths in (
        (world.bob, ["/workflow/rollcall/start/", f"/workflow/dispatch/{process.pk}/"]),
        (staff.lily, [f"/workflow/dispatch/{process.pk}/confirm/{task.pk}/assign/"]),
    ):
        page = journey.sign_in(person, viewport=PHONE)
        for path in paths:
            journey.visit(page, path, person.username)
            small = small_targets(page)
            if small:
                found[f"{person.username} {path}"] = small
        page.context.close()
    assert not found, found
