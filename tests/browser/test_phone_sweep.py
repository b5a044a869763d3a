"""Every list a phone user opens, at 390 px, as the demo roles see it with data on it:
each table a card per row (tests/ui/test_phone_tables.py checks the labels), nothing
scrolling sideways — neither the page nor a table in its own box —, no person's name
broken over two lines, and every link, button and box big enough to tap (24 px)."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch.models import Dispatch, RollCall
from planning import services as planning
from tests.browser.journey import PHONE, sideways_scrollers, small_targets, split_lines
from tests.factories import training_class
from tests.feedback.kit import attended
from tests.flowtools import act, issue_roll_call, open_task, process_of
from tests.surveys.kit import open_survey

pytestmark = [pytest.mark.klass(name="处级干部进修班"), pytest.mark.usefixtures("media")]


def test_every_list_reads_as_cards_on_a_phone(journey, world, staff, klass, client):
    # A roll call: 王堃 confirmed (his 签收 waits for dave), 李玥 past her confirmation
    # date (overdue); a class attended (dave's evaluation); a survey; a plan.
    later = training_class(
        world.city_od,
        world.school,
        timezone.localdate() + dt.timedelta(days=90),
        name="党性教育专题班",
    )
    attended(client, world, staff, later, [world.cadre_a])
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    wang = process_of(
        Dispatch.objects.get(cadre=world.cadre_a, training_class=klass), "DispatchFlow"
    )
    client.force_login(staff.lily)
    act(client, open_task(wang, "confirm"), {"action": "confirm"})
    Dispatch.objects.filter(cadre=world.cadre_a1).update(
        confirm_due=timezone.now() - dt.timedelta(days=1)
    )
    open_survey(client, world.bob, world)
    planning.plan_create(actor=world.bob, org_department=world.city_od, year=2027)
    roll_call = RollCall.objects.get(training_class=klass)

    rounds = {
        world.bob: [
            "/",
            "/rollcalls/",
            f"/rollcalls/{roll_call.pk}/acknowledgements/",
            "/dispatches/overdue/",
            "/classes/",
            f"/cadres/{world.cadre_a.pk}/record/",
            "/hours/",
            "/units/",
            "/surveys/",
            "/plans/",
            "/documents/",
            "/workflow/dispatch/flows/",
            "/workflow/dispatch/tasks/",
            "/workflow/catalog/trainingclass/",
        ],
        staff.lily: [
            "/",
            "/tasks/",
            "/inbox/",
            "/workflow/dispatch/queue/",
            "/workflow/dispatch/archive/",
        ],
        world.dave: ["/", "/inbox/", "/feedback/evaluations/", "/workflow/dispatch/inbox/"],
        world.rita: ["/"],
    }
    found = {}
    for person, paths in rounds.items():
        page = journey.sign_in(person, viewport=PHONE)
        for path in paths:
            journey.visit(page, path, person.username)
            assert page.locator("main tbody tr").count(), f"{path}: no rows to look at"
            problems = [
                *(f"not cards: {table}" for table in not_cards(page)),
                *sideways_scrollers(page),
                *(f"split: {name}" for name in split_lines(page)),
                *(f"beside its label: {text}" for text in in_the_label_column(page)),
                *(f"too small to tap: {target}" for target in small_targets(page)),
            ]
            if problems:
                found[f"{person.username} {path}"] = problems
        page.context.close()
    assert not found, "\n".join(f"{where}: {problems}" for where, problems in found.items())


def in_the_label_column(page) -> list[str]:
    """Whatever a card shows in its label column but the label itself (a bare " · "
    between two links is laid out there, as a grid item of its own): each as
    "label: text"."""
    return page.evaluate(
        """() => [...document.querySelectorAll('table.xd-stack td[data-label]')]
            .filter(td => getComputedStyle(td).display === 'grid')
            .flatMap(td => {
                const style = getComputedStyle(td);
                const start = td.getBoundingClientRect().left + parseFloat(style.paddingLeft)
                    + parseFloat(style.gridTemplateColumns.split(' ')[0]);
                return [...td.childNodes].filter(node => {
                    const range = document.createRange();
                    range.selectNode(node);
                    return [...range.getClientRects()].some(r => r.width > 0 && r.left < start - 1);
                }).map(node => `${td.dataset.label}: ${node.textContent.trim()}`);
            })"""
    )


def not_cards(page) -> list[str]:
    """The page's data tables (a details table, label beside value, aside) whose rows are
    not cards — a table squeezed into the screen's width, or cut short, or scrolling in
    its own box; each named by its headings."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main table:not(.xd-details-table)')]
            .filter(table => [...table.querySelectorAll('tbody tr')]
                .some(row => getComputedStyle(row).display !== 'block'))
            .map(table => [...table.querySelectorAll('thead th')]
                .map(th => th.textContent.trim()).join('|'))"""
    )
