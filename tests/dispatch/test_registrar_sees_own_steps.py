"""A registrar who recorded a trainee's attendance finds that step among their 已办 —
the step, when, and whose dispatch — without a link that would end in a refusal: the
dispatch's own pages stay closed to the institution (they name where the notice was
signed), as they do to the registrar of another institution (404)."""

import re

from viewflow.workflow.models import Task

from dispatch.models import Institution, InstitutionKind
from org.models import UnitKind
from tests.exports.sheets import csv_by_header
from tests.factories import unit, user
from tests.flowtools import act, at_attendance, open_task

ARCHIVE = "/workflow/dispatch/archive/"


def recorded(client, world, staff, klass):
    """Cadre A's attendance recorded by rita; the finished task."""
    process = at_attendance(client, world, staff, klass)
    task = open_task(process, "record_attendance")
    client.force_login(world.rita)
    act(client, task, {"result": "present", "leave_hours": "0"})
    task.refresh_from_db()
    assert task.status == "DONE" and task.owner == world.rita
    return task


def pages_of(task) -> list[str]:
    """The step's page, its detail, the dispatch's page."""
    return [
        task.flow_task.reverse("index", args=[task.process_id, task.pk]),
        task.flow_task.reverse("detail", args=[task.process_id, task.pk]),
        f"/workflow/dispatch/{task.process_id}/",
    ]


def archive_table(client) -> tuple[list[str], str]:
    """The archive's column headers and its body."""
    html = client.get(ARCHIVE).content.decode()
    head = html[html.index("<thead") : html.index("</thead>")]
    headers = [re.sub(r"<[^>]*>|\s", "", cell) for cell in re.findall(r"<th.*?</th>", head, re.S)]
    return headers, html[html.index("<tbody") : html.index("</tbody>")]


def test_the_registrar_finds_the_step_they_did_and_no_link_that_refuses(
    world, staff, klass, client
):
    task = recorded(client, world, staff, klass)

    headers, body = archive_table(client)
    assert f"#{task.process_id}/{task.pk}" in body
    assert world.cadre_a.name in body and klass.name in body
    for path in pages_of(task):
        assert f'href="{path}"' not in body, path
    links = re.findall(r'href="([^"]+)"', body)
    for link in links:
        response = client.get(link)
        assert response.status_code == 200 or (
            response.status_code == 302 and response["Location"] != "/"
        ), link


def test_the_archive_names_the_step_and_the_subject_once(world, staff, klass, client):
    recorded(client, world, staff, klass)
    headers, body = archive_table(client)
    assert headers.count("内容") == 1, headers
    assert "环节" in headers
    assert "登记考勤" in body


def test_a_dispatcher_opens_the_dispatch_from_the_steps_they_did(world, staff, klass, client):
    """Who may see the dispatch gets the links (lily, its unit's liaison, confirmed it)."""
    task = recorded(client, world, staff, klass)
    confirm = Task.objects.get(process=task.process_id, flow_task__endswith=".confirm")
    client.force_login(staff.lily)
    _, body = archive_table(client)
    index, _, process_page = pages_of(confirm)
    assert f'href="{index}"' in body and f'href="{process_page}"' in body
    assert client.get(process_page).status_code == 200


def test_another_institutions_registrar_is_refused(world, staff, klass, client):
    task = recorded(client, world, staff, klass)
    college = unit("某市干部学院", world.root, kind=UnitKind.INSTITUTION)
    Institution.objects.create(unit=college, kind=InstitutionKind.CADRE_COLLEGE)
    client.force_login(user("rosa", "registrar", college))
    for path in pages_of(task)[1:]:
        assert client.get(path).status_code == 404, path
    assert f"#{task.process_id}/{task.pk}" not in archive_table(client)[1]


def test_the_archives_download_has_the_pages_columns(world, staff, klass, client):
    task = recorded(client, world, staff, klass)
    [row] = csv_by_header(client.get(ARCHIVE + "?format=csv"))
    assert row["环节"] == "培训机构登记考勤"
    assert row["内容"] == task.process.brief
    assert "事项" not in row  # the step is 环节 here, as on the page
