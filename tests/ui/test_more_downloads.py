"""Four more lists downloaded (issue 11: every list a user sees): the dispatch plans and
the seats offered to the department (/plans/), 我的待办 (/tasks/), a class's suggested
candidates, and the sessions of a class's feedback report. Each answers ?format=xlsx and
?format=csv with the page's header row and the rows the page lists (all of them, not one
page), refuses whom the page refuses, neutralises formula-like text, and costs as many
queries at 20 rows as at 1."""

import csv
import datetime as dt
import io
import itertools

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.models import Dispatch, DispatchStatus
from dispatch.services.dispatching import attendance_record
from planning import services as planning
from tests.factories import cadre, training_class, user
from tests.feedback.kit import sessions
from tests.flowtools import issue_roll_call, open_task, process_of, task_url
from tests.planning.helpers import Partner, dates, publish, quota_line

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
LARGE = 20

_names = itertools.count(1)


# -- reading a download ----------------------------------------------------------------


class Download:
    """One download, read whole while its queries are counted (a .csv is streamed: its
    rows are read as it is sent)."""

    def __init__(self, client, url):
        with CaptureQueriesContext(connection) as captured:
            self.response = client.get(url)
            self.body = (
                b"".join(self.response.streaming_content)
                if self.response.streaming
                else self.response.content
            )
        self.queries = len(captured.captured_queries)
        self.status = self.response.status_code

    @property
    def rows(self) -> list[list]:
        """The header row, then the data rows, as values."""
        assert self.status == 200, self.status
        if self.response["Content-Type"] == XLSX_TYPE:
            sheet = openpyxl.load_workbook(io.BytesIO(self.body)).worksheets[0]
            return [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert self.response["Content-Type"] == CSV_TYPE
        assert self.body.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(self.body.decode("utf-8-sig"))))

    def cells(self):
        """The data rows' cells of the .xlsx (their types and styles)."""
        sheet = openpyxl.load_workbook(io.BytesIO(self.body)).worksheets[0]
        return [list(row) for row in sheet.iter_rows(min_row=2)]


def fetch(client, person, url) -> Download:
    client.force_login(person)
    return Download(client, url)


def with_format(url: str, fmt: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}format={fmt}"


def assert_downloads(client, person, url, header, expected):
    """Both formats answer with `header` and, in the first column(s), `expected` (a
    list of the rows' leading values, in the page's order)."""
    for fmt in ("xlsx", "csv"):
        download = fetch(client, person, with_format(url, fmt))
        rows = download.rows
        assert rows[0] == header, (fmt, rows[0])
        width = len(expected[0]) if expected else 1
        got = [[str(v) for v in row[:width]] for row in rows[1:]]
        assert got == [[str(v) for v in e] for e in expected], (fmt, url)


def assert_refused_as_the_page(client, insider, person, url, codes=(403, 404)):
    """`insider` gets the file; `person` gets what the page answers them (one of
    `codes`), in either format."""
    assert fetch(client, insider, with_format(url, "xlsx")).rows[0]
    client.force_login(person)
    page = client.get(url).status_code
    assert page in codes, (person.username, url, page)
    for fmt in ("xlsx", "csv"):
        assert client.get(with_format(url, fmt)).status_code == page, (person.username, fmt)


def assert_flat(client, person, url, grow):
    """As many queries for the .xlsx and the .csv at LARGE rows as at 1 (after a first
    download has warmed the session and the caches); `grow` adds the other rows."""
    client.force_login(person)
    urls = [with_format(url, fmt) for fmt in ("xlsx", "csv")]
    for u in urls:
        Download(client, u)
    small = {u: Download(client, u) for u in urls}
    grow()
    client.force_login(person)  # growing may have logged someone else in
    large = {u: Download(client, u) for u in urls}
    for u in urls:
        assert len(large[u].rows) == len(small[u].rows) + LARGE - 1, u
        assert large[u].queries == small[u].queries, (u, small[u].queries, large[u].queries)


def page_links(client, person, url) -> str:
    client.force_login(person)
    return client.get(url).content.decode()


# -- the dispatch plans (/plans/) ------------------------------------------------------

PLAN_HEADER = ["标题", "组织部门", "年度", "版本", "状态"]
OFFERED_HEADER = [
    "培训班次",
    "主办单位",
    "提供给",
    "开始日期",
    "调训日期",
    "对口支援名额",
    "已提名",
]


def plans(world, count, od=None, actor=None, first_year=2030):
    for n in range(count):
        planning.plan_create(
            actor=actor or world.bob,
            org_department=od or world.city_od,
            year=first_year + n,
            title=f"调训计划{next(_names):03d}",
        )


def test_the_plans_download_the_pages_list_in_reach(world, client):
    plans(world, 3)
    plans(world, 1, od=world.county_od, actor=world.carol, first_year=2040)
    for person in (world.bob, world.carol):
        client.force_login(person)
        listed = list(client.get("/plans/").context["page"].object_list)
        expected = [[p.title, p.org_department.unit.name, p.year] for p in listed]
        assert_downloads(client, person, "/plans/", PLAN_HEADER, expected)
    carol = fetch(client, world.carol, "/plans/?format=xlsx").rows
    assert [row[1] for row in carol[1:]] == [world.county_od_unit.name]  # her own only
    row = fetch(client, world.bob, "/plans/?format=xlsx").cells()[0]
    assert row[2].data_type == "n" and row[4].value == "草稿"
    assert 'href="?format=xlsx"' in page_links(client, world.bob, "/plans/")


def test_the_plans_download_has_every_plan_not_one_page(world, client):
    plans(world, 55)  # the page shows 50
    rows = fetch(client, world.bob, "/plans/?page=2&format=csv").rows
    assert len(rows) == 1 + 55


def test_a_formula_like_plan_title_stays_text(world, client):
    planning.plan_create(
        actor=world.bob, org_department=world.city_od, year=2031, title="=HYPERLINK(1)"
    )
    (cell, *_rest) = fetch(client, world.bob, "/plans/?format=xlsx").cells()[0]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s" and cell.quotePrefix
    rows = fetch(client, world.bob, "/plans/?format=csv").rows
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_the_plans_download_refuses_whom_the_page_refuses(world, client):
    plans(world, 1)
    assert_refused_as_the_page(client, world.bob, world.nobody, "/plans/")
    client.logout()
    assert client.get("/plans/?format=xlsx").status_code == 302


def test_the_plans_download_is_flat(world, client):
    plans(world, 1)
    assert_flat(client, world.bob, "/plans/", lambda: plans(world, LARGE - 1, first_year=2050))


def test_the_seats_offered_download_to_the_partners_dispatcher(world, staff, client):
    partner = Partner()
    start, _end = dates(60)
    plan = planning.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = quota_line(
        world, plan, name="对口支援进修班", seats=6, partner=partner.od, partner_seats=2
    )
    publish(world, staff, plan)
    expected = [[line.name, world.city_od_unit.name, partner.od.unit.name]]
    url = "/plans/?table=offered"
    assert_downloads(client, partner.pete, url, OFFERED_HEADER, expected)
    (row,) = fetch(client, partner.pete, url + "&format=xlsx").cells()
    assert row[3].is_date and row[3].value.date() == line.start_date
    assert (row[5].value, row[6].value) == (2, 0)
    assert 'href="?format=xlsx&amp;table=offered"' in page_links(client, partner.pete, "/plans/")
    # Seats offered to nobody in Bob's reach: the header row alone.
    assert fetch(client, world.bob, url + "&format=csv").rows == [OFFERED_HEADER]
    # The offer is the partner's to-do, in its 我的待办 download too.
    rows = fetch(client, partner.pete, "/tasks/?format=xlsx").rows
    assert any("对口支援进修班" in (row[1] or "") for row in rows[1:])


# -- 我的待办 (/tasks/) ------------------------------------------------------------------

TASK_HEADER = ["事项", "内容", "流程", "办理期限", "状态"]


def name_cadres(client, world, count, unit=None):
    """The city dispatcher names `count` new cadres of A1 (or `unit`) for a class of
    their own: as many confirmations in their unit liaison's queue."""
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=count
    )
    people = [
        cadre(f"干部{next(_names):03d}", unit or world.a1, world.city_od) for _ in range(count)
    ]
    issue_roll_call(client, world, klass, people)
    return people


@pytest.mark.parametrize("show", ["", "?show=queue", "?show=mine"])
def test_my_tasks_download_the_pages_rows(world, staff, client, show):
    people = name_cadres(client, world, 3)
    client.force_login(staff.lily)  # she claims one confirmation: 1 hers, 2 to claim
    task = open_task(process_of(Dispatch.objects.get(cadre=people[0]), "DispatchFlow"), "confirm")
    assert client.post(task_url(task, "assign")).status_code == 302
    listed = client.get("/tasks/" + show).context["rows"]
    assert len(listed) == {"": 3, "?show=queue": 2, "?show=mine": 1}[show]
    expected = [[row.title, row.subject, row.flow_title] for row in listed]
    assert_downloads(client, staff.lily, "/tasks/" + show, TASK_HEADER, expected)
    download = fetch(client, staff.lily, with_format("/tasks/" + show, "xlsx"))
    for row, cells in zip(listed, download.cells(), strict=True):
        assert cells[3].is_date
        assert cells[4].value == ("已分配给您" if row.mine else "待认领")


def test_my_tasks_download_every_task_not_one_page(world, staff, client):
    name_cadres(client, world, 55)  # the page shows 50
    rows = fetch(client, staff.lily, "/tasks/?page=2&format=csv").rows
    assert len(rows) == 1 + 55


def test_my_tasks_download_holds_nobody_elses_tasks(world, staff, client):
    name_cadres(client, world, 2)
    assert fetch(client, staff.luke, "/tasks/?format=csv").rows == [TASK_HEADER]
    assert 'href="?show=queue&amp;format=xlsx"' in page_links(
        client, staff.lily, "/tasks/?show=queue"
    )
    client.logout()
    assert client.get("/tasks/?format=xlsx").status_code == 302


def test_my_tasks_download_is_flat(world, staff, client):
    name_cadres(client, world, 1)
    assert_flat(client, staff.lily, "/tasks/", lambda: name_cadres(client, world, LARGE - 1))


# -- a class's suggested candidates ------------------------------------------------------

CANDIDATE_HEADER = ["姓名", "单位", "职务", "推荐理由"]


def test_the_candidates_download_the_pages_suggestions(world, client, klass):
    url = f"/classes/{klass.pk}/candidates/"
    client.force_login(world.bob)
    suggested = client.get(url).context["suggestions"]
    assert suggested
    expected = [
        [s.cadre.name, s.cadre.unit.name, s.cadre.position, "；".join(s.reasons)] for s in suggested
    ]
    assert_downloads(client, world.bob, url, CANDIDATE_HEADER, expected)
    assert 'href="?format=xlsx"' in page_links(client, world.bob, url)


def test_the_candidates_download_refuses_whom_the_page_refuses(world, client, klass):
    url = f"/classes/{klass.pk}/candidates/"
    for person in (world.carol, world.alice, world.nobody):
        assert_refused_as_the_page(client, world.bob, person, url)
    client.logout()
    assert client.get(url + "?format=csv").status_code == 302


def test_the_candidates_download_is_flat(world, client, klass):
    """From the test world's cadres to 19 more, every one of them suggested."""

    def grow():
        for _ in range(LARGE - 1):
            cadre(f"候选{next(_names):03d}", world.a1, world.city_od)

    assert_flat(client, world.bob, f"/classes/{klass.pk}/candidates/", grow)


# -- the sessions of a class's feedback report -------------------------------------------

SESSION_HEADER = ["日期", "课程", "授课人", "已评人数", "平均评分"]


def evaluated_class(world, session_count):
    """A finished class of the city at the school with `session_count` sessions and one
    attended trainee (so it has an evaluation, and a report)."""
    klass = training_class(world.city_od, world.school, timezone.localdate() - dt.timedelta(20))
    sessions(klass, session_count)
    person = cadre(f"学员{next(_names):03d}", world.a, world.city_od)
    person.user = user(f"t{person.pk}", "trainee")
    person.save(update_fields=["user"])
    dispatch = Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=person.unit,
        status=DispatchStatus.ACKNOWLEDGED,
        confirm_due=timezone.now(),
    )
    attendance_record(actor=world.rita, dispatch=dispatch, result="present")
    return klass


def test_the_sessions_download_the_reports_sessions(world, client):
    klass = evaluated_class(world, 3)
    url = f"/feedback/report/classes/{klass.pk}/"
    for person in (world.bob, world.rita):
        client.force_login(person)
        listed = client.get(url).context["sessions"]
        expected = [[s["session"].date.isoformat(), s["session"].title] for s in listed]
        assert len(expected) == 3
        csv_rows = fetch(client, person, url + "?format=csv").rows
        assert csv_rows[0] == SESSION_HEADER
        assert [row[:2] for row in csv_rows[1:]] == expected
        sheet = fetch(client, person, url + "?format=xlsx")
        assert sheet.rows[0] == SESSION_HEADER
        assert [row[1] for row in sheet.rows[1:]] == [s["session"].title for s in listed]
        first = sheet.cells()[0]
        assert first[0].is_date and first[0].value.date() == listed[0]["session"].date
        assert first[3].value == 0 and first[4].value is None  # no average below three
    assert 'href="?format=xlsx"' in page_links(client, world.bob, url)


def test_a_formula_like_session_title_stays_text(world, client):
    klass = evaluated_class(world, 1)
    klass.sessions.update(title="@SUM(A1)", teacher="-1")
    url = f"/feedback/report/classes/{klass.pk}/"
    (row,) = fetch(client, world.bob, url + "?format=xlsx").cells()
    assert row[1].value == "@SUM(A1)" and row[1].quotePrefix and row[2].value == "-1"
    (_header, line) = fetch(client, world.bob, url + "?format=csv").rows
    assert line[1:3] == ["'@SUM(A1)", "'-1"]


def test_the_sessions_download_refuses_whom_the_page_refuses(world, client):
    klass = evaluated_class(world, 1)
    url = f"/feedback/report/classes/{klass.pk}/"
    for person in (world.carol, world.nobody):
        assert_refused_as_the_page(client, world.bob, person, url, codes=(404,))


def test_the_sessions_download_is_flat(world, client):
    klass = evaluated_class(world, 1)
    url = f"/feedback/report/classes/{klass.pk}/"
    assert_flat(client, world.bob, url, lambda: sessions(klass, LARGE - 1))
