"""A cadre's training record (/cadres/<id>/record/): hours and compliance, one timeline of
everything the cadre went through with links only where the viewer may go, for the
trainee and within the jurisdiction only, in a fixed number of queries."""

import datetime as dt

import pytest

from tests.factories import cadre, credit, training_class
from tests.flowtools import recognition_post


def test_the_training_record_shows_hours_and_compliance(world, login):
    credit(world.cadre_a, 30, dt.date.today())
    page = login(world.bob).get(f"/cadres/{world.cadre_a.pk}/record/").content.decode()
    assert "培训档案" in page and "30" in page
    # Rules read as what they ask, not as their codes.
    assert "集中培训（自然年度）" in page and "b-concentrated" not in page


def test_a_trainee_sees_their_own_record_only(world, login):
    client = login(world.dave)
    assert client.get(f"/cadres/{world.cadre_a.pk}/record/").status_code == 200
    assert client.get(f"/cadres/{world.cadre_a1.pk}/record/").status_code == 404


def test_an_outsider_cannot_read_a_record(world, login):
    assert login(world.charlie).get(f"/cadres/{world.cadre_a.pk}/record/").status_code == 404


# The training record's timeline: everything the cadre went through, in one list.


def timeline(page: str) -> list[list[str]]:
    """The timeline's rows as lists of cell texts; the last cell keeps its links' hrefs."""
    import re

    table = page[page.index('<table class="timeline') :]
    table = table[: table.index("</table>")]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if len(cells) == 5:
            hrefs = re.findall(r'href="([^"]+)"', cells[4])
            rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells[:4]] + [hrefs])
    return rows


@pytest.fixture
def full_record(world, client):
    """王堃 (Dave's record): a dispatch deferred on approval with makeup owed, an overdue
    makeup of an earlier absence, a pending recognition request, a filing, and online
    hours — each through its real flow where there is one."""
    from approvals.models import ApprovalRequest
    from dispatch.models import Dispatch, Makeup
    from tests.flowtools import Staff, decide, filing_data, named, process_of, request

    staff = Staff(world)
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), name="春季主体班"
    )
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "deferral", reason="重大项目攻坚")
    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval, "head_review", "approved")
    decide(client, staff.oscar, approval, "managing_review", "approved")
    client.force_login(staff.lily)
    assert recognition_post(client, world.cadre_a, provider="省委党校").status_code == 302
    response = client.post(
        "/workflow/filing/start/", filing_data(world, title="发改业务培训", hours="24")
    )
    assert response.status_code == 302
    credit(world.cadre_a, "3.5", dt.date.today() - dt.timedelta(days=3), kind="online")
    old_class = training_class(world.city_od, world.school, dt.date(2025, 3, 3), name="去年专题班")
    missed = Dispatch.objects.create(
        training_class=old_class,
        cadre=world.cadre_a,
        unit=world.a,
        status="absent",
        confirm_due=dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
    )
    Makeup.objects.create(
        cadre=world.cadre_a, source=missed, reason="absence", due_date=dt.date(2026, 3, 1)
    )
    return staff


def test_the_training_record_is_one_timeline_of_everything(world, client, full_record):
    client.force_login(world.bob)
    rows = timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    by_kind = {row[1]: row for row in rows}
    assert set(by_kind) == {"调训", "缓训申请", "补训", "学时认定", "培训报备", "学时"}
    assert len(rows) == 8  # two dispatches and two makeups
    dispatches = {row[2].split("（")[0]: row[3] for row in rows if row[1] == "调训"}
    assert dispatches == {"春季主体班": "缓训", "去年专题班": "缺训"}
    assert "重大项目攻坚" in by_kind["缓训申请"][2] and by_kind["缓训申请"][3] == "已同意"
    makeups = {row[2]: row[3] for row in rows if row[1] == "补训"}
    assert any("春季主体班" in what and status == "待补训" for what, status in makeups.items())
    assert any("去年专题班" in what and "已逾期" in status for what, status in makeups.items())
    assert "24" in by_kind["学时认定"][2] and "省委党校" in by_kind["学时认定"][2]
    assert by_kind["学时认定"][3] == "待审批"
    assert "发改业务培训" in by_kind["培训报备"][2] and by_kind["培训报备"][3] == "已提交"
    assert "3.5" in by_kind["学时"][2] and "网络自学" in by_kind["学时"][2]
    # Newest first: the spring class (in 30 days) on top, last year's class at the bottom.
    dates = [dt.datetime.strptime(row[0], "%Y年%m月%d日").date() for row in rows]
    assert dates == sorted(dates, reverse=True)
    assert "去年专题班" in rows[-1][2]


def test_the_timeline_links_only_what_the_viewer_may_open(world, client, full_record):
    staff = full_record
    for viewer in (world.bob, world.alice, staff.lily):
        client.force_login(viewer)
        rows = timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
        links = [href for row in rows for href in row[4]]
        # The dispatch, the request, the makeups, the recognition and its approval, the
        # filing: each has a process page within these jurisdictions.
        assert sum("/workflow/" in href for href in links) >= 6, (viewer, links)
        for href in links:
            assert client.get(href).status_code == 200, (viewer.username, href)
    # The class page is for whoever reaches the class (the dispatcher), not the unit.
    client.force_login(world.bob)
    assert "/classes/" in str(
        timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    )
    client.force_login(world.alice)
    assert "/classes/" not in str(
        timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    )
    # The trainee reads the same lines but no process pages; what is linked opens.
    client.force_login(world.dave)
    rows = timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    assert len(rows) == 8
    for href in (href for row in rows for href in row[4]):
        assert "/workflow/" not in href or "/acknowledge/" in href
        assert client.get(href, follow=True).status_code == 200


def test_the_trainee_gets_their_open_acknowledgement_on_the_timeline(world, client):
    from tests.flowtools import Staff, act, named, open_task

    staff = Staff(world)
    klass = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=30))
    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    rows = timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    links = rows[0][4]
    assert any("/acknowledge/" in href for href in links), rows
    for href in links:  # the task page takes the trainee on to the form
        assert client.get(href, follow=True).status_code == 200


def test_the_training_record_takes_as_many_queries_for_20_events_as_for_1(
    world, login, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from approvals.models import ApprovalRequest
    from dispatch.models import Dispatch, Filing, Makeup

    def add_events(person, n):
        for i in range(n):
            klass = training_class(
                world.city_od, world.school, dt.date(2025, 1, 6) + dt.timedelta(days=7 * i)
            )
            dispatch = Dispatch.objects.create(
                training_class=klass,
                cadre=person,
                unit=person.unit,
                status="deferred",
                confirm_due=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            )
            ApprovalRequest.objects.create(
                kind="deferral",
                subject=dispatch,
                title="缓训",
                reason="工作需要",
                requested_by=world.bob,
            )
            Makeup.objects.create(
                cadre=person, source=dispatch, reason="deferral", due_date=dt.date(2026, 1, 1)
            )
            filing = Filing.objects.create(
                unit=person.unit,
                title=f"报备{i}",
                organizer_name="某单位",
                start_date=klass.start_date,
                end_date=klass.start_date,
                hours=8,
                filed_by=world.bob,
            )
            filing.participants.add(person)
            credit(person, 2, klass.start_date, kind="online")

    one = cadre("一条", world.a, world.city_od, category="civil_servant")
    many = cadre("二十条", world.a, world.city_od, category="civil_servant")
    add_events(one, 1)
    add_events(many, 20)
    client = login(world.bob)
    client.get(f"/cadres/{one.pk}/record/")  # warm the caches (content types, templates)
    counts = []
    for person, lines in ((one, 5), (many, 100)):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/cadres/{person.pk}/record/").content.decode()
        assert len(timeline(page)) == lines
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(24):
        client.get(f"/cadres/{many.pk}/record/?page=2")
