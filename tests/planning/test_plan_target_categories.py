"""A plan line's target categories (调训对象) are shown: on the plan's page and in the
published plan's table of classes (附件1), as their Chinese labels joined with 、, and —
for a class that names none."""

import io

import pdfplumber
import pytest
from django.utils import translation

from planning import services
from planning.documents import issue_plan_document, plan_context
from tests.planning.helpers import dates, publish, quota_line

pytestmark = pytest.mark.django_db

TARGETS = "乡科级领导干部、一级主任科员以下职级公务员"


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    quota_line(
        world,
        plan,
        name="科级干部进修班",
        target_categories=["section_leader", "civil_servant"],
    )
    quota_line(world, plan, days_ahead=90, name="专题研讨班")
    return plan


def test_the_plan_page_shows_each_class_target_categories(client, world, plan):
    client.force_login(world.bob)
    page = client.get(f"/plans/{plan.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    table = page.split("<h2>", 2)[1]  # the classes' table, not the consultation's
    header = table.split("</thead>", 1)[0]
    assert "<th>调训对象</th><th>调训方式</th>" in header.replace("\n", "")
    rows = table.split("<tbody>", 1)[1].split("</tr>")
    first = next(r for r in rows if "科级干部进修班" in r)
    other = next(r for r in rows if "专题研讨班" in r)
    assert f'<td data-label="调训对象">{TARGETS}</td>' in first
    assert '<td data-label="调训对象">—</td>' in other and "乡科级" not in other


def test_the_plan_document_lists_each_class_target_categories(world, staff, plan):
    with translation.override("zh-hans"):
        classes = plan_context(plan).attachments[0].blocks[0]
    column = list(classes.columns).index("调训对象")
    assert {row[1]: row[column] for row in classes.rows} == {
        "科级干部进修班": TARGETS,
        "专题研讨班": "—",
    }

    publish(world, staff, plan)
    with translation.override("zh-hans"):
        document = issue_plan_document(plan, actor=staff.oscar)
    with document.file.open("rb") as f:
        pdf = pdfplumber.open(io.BytesIO(f.read()))
    # The table of 附件1 read back, its cells' lines joined.
    (header, *rows), *_others = [t for page in pdf.pages for t in page.extract_tables()]
    column = header.index("调训对象")
    printed = {row[1].replace("\n", ""): row[column].replace("\n", "") for row in rows}
    assert printed == {"科级干部进修班": TARGETS, "专题研讨班": "—"}


def test_a_nominee_outside_the_target_cadres_is_marked_for_the_head(client, world, staff, plan):
    """The class's roll call starts from the published line: the nomination's pages name
    its 调训对象, and a nominee of another category is marked where the head decides."""
    from dispatch.models import QuotaAllocation
    from planning import schedule
    from planning.models import PlanLine
    from tests.factories import cadre
    from tests.flowtools import act, open_task, process_of, task_url

    publish(world, staff, plan)
    line = PlanLine.objects.active().get(name="科级干部进修班")
    schedule.start_due_roll_calls(line.dispatch_date)
    allocation = QuotaAllocation.objects.get(
        unit=world.a, roll_call__training_class=line.training_class
    )
    process = process_of(allocation, "NominationFlow")
    leader = cadre("梁平辉", world.a, world.city_od, category="county_leader", position="副局长")

    client.force_login(staff.lily)
    nominate = open_task(process, "nominate")
    client.post(task_url(nominate, "assign"))
    page = client.get(task_url(nominate, "execute")).content.decode()
    assert TARGETS in page  # the liaison reads the targets before choosing
    response = act(client, nominate, {"cadres": [world.cadre_a.pk, leader.pk]})
    assert response.status_code == 302, response.content.decode()[-2000:]

    client.force_login(world.alice)
    review = open_task(process, "head_approval")
    client.post(task_url(review, "assign"))
    page = client.get(task_url(review, "execute")).content.decode()
    assert "梁平辉（" in page and "不符合调训对象）" in page
    assert "王堃（" not in page  # within the targets: not marked
