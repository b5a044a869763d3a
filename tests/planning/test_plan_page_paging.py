"""The plan page pages its lines (25 a page) and its other lists (removed lines,
consultations, partner nominations, versions: 50 a page), each by its own query
parameter, a pager keeping the others; its queries are as many for a plan of two lines
as for one of sixty lines of thirty units each; an outsider still gets 404."""

import datetime as dt
import html
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from planning import services
from planning.models import (
    Consultation,
    PartnerNomination,
    Plan,
    PlanAllocation,
    PlanLine,
    PlanSession,
    PlanStatus,
)
from tests.factories import training_class, unit
from tests.planning.helpers import Partner

pytestmark = pytest.mark.django_db


def _year():
    """Read when asked, not when the module is collected: a run may pass midnight."""
    return timezone.localdate().year + 1


LINES_A_PAGE = 25
ROWS_A_PAGE = 50


def _name(i: int) -> str:
    return f"进修班第{i:03d}期"


def _plan(world, year=None, *, lines=0, units=(), removed=0, consultations=(), versions=0):
    """A draft plan of the city with `lines` lines in date order (every line allots a seat
    to each of `units`, has two planned sessions, and every other one is carried with its
    class, not dispatched: changeable, not removable), `removed` removed lines, a
    consultation of each of `consultations`, and `versions` earlier versions."""
    year = year or _year()
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=year)
    Plan.objects.filter(pk=plan.pk).update(version=versions + 1)
    Plan.objects.bulk_create(
        Plan(
            org_department=world.city_od,
            year=year,
            version=v,
            title=f"旧版{v}",
            status=PlanStatus.SUPERSEDED,
        )
        for v in range(1, versions + 1)
    )
    rows = []
    for i in range(lines + removed):
        start = dt.date(year, 3, 1) + dt.timedelta(days=i)
        carried = i % 2 == 1 and i < lines
        rows.append(
            PlanLine(
                plan=plan,
                name=_name(i),
                institution=world.school,
                start_date=start,
                end_date=start + dt.timedelta(days=4),
                report_date=start,
                dispatch_date=start - dt.timedelta(days=30),
                hours=Decimal(40),
                days=5,
                seats=max(len(units), 1),
                target_categories=["county_leader"],
                mode="quota",
                training_class=(
                    training_class(world.city_od, world.school, start) if carried else None
                ),
                removed_at=timezone.now() if i >= lines else None,
                removal_reason="经研究取消" if i >= lines else "",
            )
        )
    rows = PlanLine.objects.bulk_create(rows)
    if any(row.pk is None for row in rows):
        rows = list(plan.lines.order_by("pk"))
    PlanAllocation.objects.bulk_create(
        PlanAllocation(line=line, unit=u, seats=1) for line in rows for u in units
    )
    PlanSession.objects.bulk_create(
        PlanSession(
            line=line, date=line.start_date, title="课", hours=20, teacher="甲", content=content
        )
        for line in rows
        for content in ("theory", "party_spirit")
    )
    Consultation.objects.bulk_create(
        Consultation(plan=plan, unit=u, due=timezone.now() + dt.timedelta(days=3))
        for u in consultations
    )
    plan.refresh_from_db()
    return plan


def _units(world, n):
    return [unit(f"单位{i:03d}", world.root) for i in range(n)]


def _pagers(page: str) -> dict[str, dict[str, dict]]:
    """{anchor: {"Previous"/"Next": the link's query}} of the page's pagers."""
    with translation.override(settings.LANGUAGE_CODE):
        labels = {gettext("Previous"): "Previous", gettext("Next"): "Next"}
    pagers: dict[str, dict[str, dict]] = {}
    for block in re.findall(r'<p class="pager">(.*?)</p>', page, re.S):
        for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block):
            url = urlsplit(html.unescape(href))
            pagers.setdefault(url.fragment, {})[labels[label]] = parse_qs(url.query)
    return pagers


def test_a_long_plan_shows_a_page_of_lines_and_links_to_the_next(client, world):
    plan = _plan(world, lines=LINES_A_PAGE + 5, units=[world.a, world.b])
    client.force_login(world.bob)
    url = f"/plans/{plan.pk}/"

    first = client.get(url).content.decode()
    assert all(_name(i) in first for i in range(LINES_A_PAGE))
    assert not any(_name(i) in first for i in range(LINES_A_PAGE, LINES_A_PAGE + 5))
    assert first.count("/change/") == LINES_A_PAGE  # every line of the page, no other
    # every line: none has begun or been dispatched (a class is called off at publication)
    assert first.count("/remove/") == LINES_A_PAGE
    assert _pagers(first) == {"classes": {"Next": {"page": ["2"]}}}

    second = client.get(url, {"page": 2}).content.decode()
    assert all(_name(i) in second for i in range(LINES_A_PAGE, LINES_A_PAGE + 5))
    assert not any(_name(i) in second for i in range(LINES_A_PAGE))
    assert second.count("/change/") == 5
    assert f"{world.a.name} 1、{world.b.name} 1" in second  # its seats per unit
    assert _pagers(second) == {"classes": {"Previous": {"page": ["1"]}}}

    # Past the end, or not a number: the last page, the first.
    assert _name(LINES_A_PAGE) in client.get(url, {"page": 99}).content.decode()
    assert _name(0) in client.get(url, {"page": "x"}).content.decode()


def test_each_list_pages_on_its_own_and_its_pager_keeps_the_others(client, world):
    """60 consultations, 60 removed lines, 60 versions, 120 nominations: 50 of each a
    page; following one list's pager keeps the page the others are on."""
    partner = Partner()
    units = _units(world, ROWS_A_PAGE + 10)
    plan = _plan(
        world,
        lines=ROWS_A_PAGE + 10,
        removed=ROWS_A_PAGE + 10,
        consultations=units,
        versions=ROWS_A_PAGE + 9,
    )
    PlanLine.objects.filter(plan=plan).update(partner=partner.od, partner_seats=2)
    PartnerNomination.objects.bulk_create(
        PartnerNomination(line=line, cadre=c, nominated_by=partner.pete)
        for line in plan.lines.active()
        for c in (partner.cadre, partner.cadre2)
    )
    client.force_login(world.bob)
    page = client.get(f"/plans/{plan.pk}/", {"page": 2, "removed_page": 2}).content.decode()

    pagers = _pagers(page)
    assert pagers["classes"] == {
        "Previous": {"page": ["1"], "removed_page": ["2"]},
        "Next": {"page": ["3"], "removed_page": ["2"]},
    }
    assert pagers["removed"] == {"Previous": {"page": ["2"], "removed_page": ["1"]}}
    for anchor in ("consultations", "nominations", "versions"):
        assert pagers[anchor] == {
            "Next": {"page": ["2"], "removed_page": ["2"], f"{anchor}_page": ["2"]}
        }, anchor
    removed = page.split('id="removed"', 1)[1].split("</ul>", 1)[0]
    assert removed.count("经研究取消") == 10  # the second page of 60
    consulted = page.split('id="consultations"', 1)[1].split("</table>", 1)[0]
    assert consulted.count('<tr><td data-label="单位">单位') == ROWS_A_PAGE
    nominated = page.split('id="nominations"', 1)[1].split("</ul>", 1)[0]
    assert nominated.count("<li>") == ROWS_A_PAGE
    versions = page.split('id="versions"', 1)[1].split("</ul>", 1)[0]
    assert versions.count("<li>") == ROWS_A_PAGE and str(plan) in versions  # latest first

    last = client.get(f"/plans/{plan.pk}/", {"consultations_page": 2}).content.decode()
    consulted = last.split('id="consultations"', 1)[1].split("</table>", 1)[0]
    assert consulted.count('<tr><td data-label="单位">单位') == 10
    assert units[-1].name in consulted and units[0].name not in consulted


def test_the_queries_do_not_grow_with_the_lines_and_their_allocations(
    client, world, staff, django_assert_max_num_queries
):
    """The drafter (Change and Remove per line) and the head (Waive per line) read a
    plan of two lines of one unit in as many queries as one of sixty lines of thirty
    units with sixty removed lines, consultations, versions and nominations."""
    partner = Partner()
    few = _plan(world, _year(), lines=2, units=[world.a], removed=1, consultations=[world.a])
    units = _units(world, 30)
    many = _plan(
        world,
        _year() + 1,
        lines=60,
        units=units,
        removed=60,
        consultations=_units(world, 60),
        versions=59,
    )
    for plan in (few, many):
        PlanLine.objects.filter(plan=plan).update(partner=partner.od, partner_seats=2)
        PartnerNomination.objects.bulk_create(
            PartnerNomination(line=line, cadre=c, nominated_by=partner.pete)
            for line in plan.lines.active()
            for c in (partner.cadre, partner.cadre2)
        )
    # every line of the page with its action; the head waives the lines without a class
    for person, link, shown in (
        (world.bob, "/change/", {few: 2, many: LINES_A_PAGE}),
        (staff.oscar, "/waive/", {few: 1, many: LINES_A_PAGE // 2 + 1}),
    ):
        client.force_login(person)
        client.get(f"/plans/{few.pk}/")  # caches warmed
        counts = []
        for plan in (few, many):
            with django_assert_max_num_queries(19) as captured:
                response = client.get(f"/plans/{plan.pk}/")
            counts.append(len(captured))
            page = response.content.decode()
            assert page.count(link) == shown[plan], (person, plan)
        assert counts[0] == counts[1], person
        assert all(f"{u.name} 1" in page for u in units)


def test_an_outsider_gets_404_on_every_page_of_the_plan(client, world):
    plan = _plan(world, lines=LINES_A_PAGE + 1, units=[world.a])
    for outsider in (world.carol, world.dave, Partner().pete):
        client.force_login(outsider)
        for query in ({}, {"page": 2}, {"consultations_page": 2}):
            assert client.get(f"/plans/{plan.pk}/", query).status_code == 404, outsider
