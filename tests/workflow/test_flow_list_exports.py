"""Every flow's lists downloaded (`?format=xlsx|csv`): the process list and the task lists
give exactly the rows their page shows for the same filter, within the user's
jurisdiction, with subjects as the page reads them and formula-like ones kept as text, at
a query count that does not grow with the rows."""

import re

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from dispatch.models import Dispatch, Filing
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import cadre
from tests.flowtools import filing_data, issue_roll_call, open_task, process_of
from workflow.runtime import cancel_process

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40, quota=100)

PROCESSES = "/workflow/dispatch/flows/"
INBOX = "/workflow/dispatch/inbox/"


def page_processes(client, url):
    """The process numbers of the list page's rows, top to bottom."""
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(n) for n in re.findall(r'<tr data-row-id="(\d+)"', body)]


def page_tasks(client, url):
    """(process number, task id) of a task list page's rows, top to bottom."""
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [(int(p), int(t)) for p, t in re.findall(r">#(\d+)/(\d+)</a>", body)]


def with_format(url, query, fmt):
    return f"{url}?{query}&format={fmt}" if query else f"{url}?format={fmt}"


def exported(client, url, query=""):
    """The 编号 column of the .xlsx and of the .csv download of `url?query`, checked to
    agree; the .xlsx rows."""
    rows = by_header(xlsx(client.get(with_format(url, query, "xlsx"))))
    numbers = [row["编号"].value for row in rows]
    rows_csv = csv_by_header(client.get(with_format(url, query, "csv")))
    assert [int(row["编号"]) for row in rows_csv] == numbers
    return rows, numbers


def claim(tasks, person):
    """Tasks claimed by `person`, written directly (the lists only read them)."""
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(owner=person, status=STATUS.ASSIGNED)


def test_the_process_list_downloads_the_rows_the_page_shows_for_each_filter(world, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1, world.cadre_b])
    cancelled = process_of(Dispatch.objects.get(cadre=world.cadre_a1), "DispatchFlow")
    cancel_process(cancelled)
    for query in ["", "status=NEW", "status=CANCELED", "_orderby=created&page=1"]:
        shown = page_processes(client, f"{PROCESSES}?{query}")
        rows, numbers = exported(client, PROCESSES, query)
        assert numbers == shown, query
    # Without a query the page lists the cancelled process too, and so does the download.
    assert cancelled.pk in exported(client, PROCESSES)[1]
    rows = {row["编号"].value: row for row in exported(client, PROCESSES)[0]}
    wang = process_of(Dispatch.objects.get(cadre=world.cadre_a), "DispatchFlow")
    assert rows[wang.pk]["内容"].value == f"{world.cadre_a.name} → {klass.name}"
    assert rows[wang.pk]["流程"].value == "调训"
    assert rows[wang.pk]["状态"].value == "进行中"
    assert rows[cancelled.pk]["状态"].value == "已取消"
    assert rows[wang.pk]["创建时间"].is_date and rows[wang.pk]["完成时间"].value is None
    assert rows[cancelled.pk]["完成时间"].is_date
    assert rows[wang.pk]["未办结事项"].data_type == "n"


def test_an_outsiders_process_download_lacks_the_other_jurisdiction(world, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_b])
    ids = {
        person: process_of(Dispatch.objects.get(cadre=person), "DispatchFlow").pk
        for person in (world.cadre_a, world.cadre_b)
    }
    client.force_login(world.charlie)  # head of the county's unit B
    assert exported(client, PROCESSES)[1] == [ids[world.cadre_b]]
    client.force_login(world.alice)  # head of the city's unit A
    assert exported(client, PROCESSES)[1] == [ids[world.cadre_a]]
    client.force_login(world.dave)
    assert exported(client, PROCESSES)[1] == page_processes(client, PROCESSES)


def test_the_inbox_downloads_the_rows_the_page_shows_for_each_filter(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1, world.cadre_b])
    processes = {
        person: process_of(Dispatch.objects.get(cadre=person), "DispatchFlow")
        for person in (world.cadre_a, world.cadre_a1, world.cadre_b)
    }
    claim([open_task(processes[p], "confirm") for p in (world.cadre_a, world.cadre_a1)], staff.lily)
    claim([open_task(processes[world.cadre_b], "confirm")], staff.luke)
    client.force_login(staff.lily)
    one = processes[world.cadre_a1].pk
    for query in ["", f"process={one}", "created=today"]:
        shown = [process for process, _ in page_tasks(client, f"{INBOX}?{query}")]
        assert exported(client, INBOX, query)[1] == shown, query
    assert exported(client, INBOX, f"process={one}")[1] == [one]
    rows = exported(client, INBOX)[0]
    assert {row["事项"].value for row in rows} == {"单位确认参训或提出申请"}
    assert {row["状态"].value for row in rows} == {"已认领"}
    assert {row["办理人"].value for row in rows} == {"lily"}
    assert all(row["创建时间"].is_date for row in rows)
    # The county's liaison downloads only their own task, never unit A's.
    client.force_login(staff.luke)
    assert exported(client, INBOX)[1] == [processes[world.cadre_b].pk]


def test_a_formula_like_subject_stays_text(world, staff, client):
    title = '=HYPERLINK("http://evil.example","点我") & <b>'
    client.force_login(staff.lily)
    response = client.post("/workflow/filing/start/", filing_data(world, title=title))
    assert response.status_code == 302, response.content.decode()[-2000:]
    process = process_of(Filing.objects.get(), "FilingFlow")
    client.force_login(world.bob)
    cell = by_header(xlsx(client.get("/workflow/filing/flows/?format=xlsx")))[0]["内容"]
    assert cell.value == title and cell.data_type == "s" and cell.quotePrefix is True
    rows = csv_by_header(client.get("/workflow/filing/flows/?format=csv"))
    assert [row["内容"] for row in rows] == ["'" + title]
    queue = csv_by_header(client.get("/workflow/filing/queue/?format=csv"))
    assert [int(row["编号"]) for row in queue] == [process.pk]
    assert queue[0]["内容"] == "'" + title
    client.force_login(world.charlie)
    assert csv_by_header(client.get("/workflow/filing/flows/?format=csv")) == []


@pytest.mark.parametrize("count", [1, 50])
def test_the_downloads_have_a_flat_query_count(
    world, staff, klass, client, django_assert_max_num_queries, count
):
    people = [cadre(f"干部{n:02}", world.a1, world.city_od) for n in range(count)]
    issue_roll_call(client, world, klass, people)
    claim(Task.objects.filter(flow_task__endswith=".confirm", status=STATUS.NEW), staff.lily)
    client.force_login(world.bob)
    client.get(PROCESSES)  # the menu's counts cached once
    # The session, the user and their reach, the rows and their subjects: none per row.
    with django_assert_max_num_queries(8):
        rows = csv_by_header(client.get(PROCESSES + "?format=csv"))
    assert len(rows) == count
    client.force_login(staff.lily)
    client.get(INBOX)
    with django_assert_max_num_queries(9):
        rows = csv_by_header(client.get(INBOX + "?format=csv"))
    assert len(rows) == count


def test_the_lists_offer_the_downloads_and_a_download_is_no_page_to_return_to(
    world, staff, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    client.force_login(world.bob)
    for url in (PROCESSES, "/workflow/dispatch/tasks/", INBOX, "/workflow/dispatch/queue/"):
        page = client.get(url + "?status=NEW").content.decode()
        assert 'href="?status=NEW&amp;format=xlsx"' in page, url
        assert 'href="?status=NEW&amp;format=csv"' in page, url
    page = client.get("/workflow/dispatch/archive/?page=1").content.decode()
    assert 'href="?format=xlsx"' in page
    # Viewflow returns to the list last seen after a bulk claim: never to a download.
    client.get(INBOX)
    client.get(INBOX + "?format=xlsx")
    assert client.session["vf-pin-location"] == INBOX
