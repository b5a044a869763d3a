"""Data tables that fit a phone: on the registrar's roster, the dispatches, a roll call's
page, the cadres, a process's history and every list a phone user opens (我的待办 and the
home pages, the inbox, roll calls, overdue work, classes, a training record, surveys,
plans, evaluations, Viewflow's lists) every cell names its column (data-label), so
that at phone width (xundiao/site.css) each row becomes a card — label beside value —
instead of a table squeezed into its own sideways scroll. The browser journeys check the
result at 390 px (tests/browser/test_named_roll_call.py, test_phone_sweep.py)."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from circulars.models import Circular
from core.deadlines import close_of_business
from dispatch.models import Dispatch, RollCall
from feedback.models import Evaluation
from planning import services as planning
from tests.dated import DECEMBER_2026
from tests.factories import training_class
from tests.feedback.kit import attended
from tests.flowtools import (
    act,
    at_attendance,
    circular_start,
    deadline,
    issue_roll_call,
    open_task,
    post_roll_call,
    process_of,
    request,
    task_url,
)
from tests.planning.helpers import Partner, publish, quota_line
from tests.surveys.kit import open_survey

pytestmark = [pytest.mark.klass(name="全市专题培训班", credit_hours=40), DECEMBER_2026]

SITE_CSS = Path(settings.BASE_DIR) / "core" / "static" / "xundiao" / "site.css"


def stacked_tables(page: str) -> list[str]:
    """The tables of the page marked to stack on a phone."""
    return re.findall(r'<table class="[^"]*\bxd-stack\b[^"]*"[^>]*>.*?</table>', page, re.S)


def unlabelled_cells(table: str) -> list[str]:
    """Body cells without their column's name; a cell spanning the whole row (a message
    such as "Nothing here.") needs none."""
    head, body = table.split("<tbody", 1)
    columns = len(re.findall(r"<th\b", head))
    whole_row = f'colspan="{columns}"'
    cells = re.findall(r"<td\b[^>]*>", body)
    return [c for c in cells if "data-label=" not in c and whole_row not in c]


def labels(table: str) -> set[str]:
    return set(re.findall(r'data-label="([^"]+)"', table))


def test_the_registrars_roster_names_each_cell_and_the_leave_hours_field(
    world, staff, klass, client
):
    at_attendance(client, world, staff, klass)
    client.force_login(world.rita)
    page = client.get(f"/classes/{klass.pk}/attendance/").content.decode()
    (table,) = stacked_tables(page)
    assert not unlabelled_cells(table), unlabelled_cells(table)
    assert {"干部", "单位", "考勤", "认定学时", "培训期间请假学时", "状态"} <= labels(table)
    leave = re.search(r'<td data-label="培训期间请假学时">(.*?)</td>', table, re.S).group(1)
    assert re.search(r'<input type="number" name="d\d+-leave_hours"', leave)
    # The field has a name of its own (the column heading is hidden on a phone).
    assert re.search(r'<label for="id_d\d+-leave_hours" class="visually-hidden">', leave)
    assert '<td class="xd-name" data-label="干部">王堃</td>' in table  # never split


def test_the_dispatchers_lists_name_each_cell(world, staff, klass, client):
    process = at_attendance(client, world, staff, klass)
    dispatch = Dispatch.objects.get()
    client.force_login(world.bob)
    for path, expected in (
        ("/dispatches/", {"干部", "单位", "培训班次", "状态"}),
        (f"/rollcalls/{dispatch.roll_call_id}/", {"干部", "单位", "状态", "确认人"}),
        ("/cadres/", {"姓名", "单位", "职务", "主管组织部门"}),
        (f"/workflow/dispatch/{process.pk}/", {"环节", "办理人", "状态"}),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        tables = stacked_tables(response.content.decode())
        assert tables, f"{path}: no table stacks on a phone"
        for table in tables:
            assert not unlabelled_cells(table), (path, unlabelled_cells(table))
        assert expected <= set().union(*(labels(t) for t in tables)), path


def test_the_seats_of_a_quota_roll_call_have_headings(world, klass, client):
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(10),
            f"seats_{world.a.pk}": "2",
        },
    )
    page = client.get(f"/rollcalls/{RollCall.objects.get().pk}/").content.decode()
    seats = stacked_tables(page)[0]
    assert "<th>单位</th><th>名额</th><th>状态</th>" in seats
    assert f'<td data-label="单位">{world.a.name}</td><td data-label="名额">2</td>' in seats


def test_on_a_phone_stacked_tables_become_cards_and_other_tables_still_scroll():
    css = SITE_CSS.read_text(encoding="utf-8")
    phone = "\n".join(re.findall(r"@media \(max-width: 760px\) \{(.*?)\n\}", css, re.S))
    # Cards: the heading row hidden, each cell its label (data-label) then its value.
    assert "table.xd-stack thead { display: none; }" in phone
    assert "td[data-label]::before { content: attr(data-label);" in phone
    assert re.search(r"table\.xd-stack td[^{]*\{[^}]*word-break: normal", phone)
    assert re.search(r"\.xd-name[^{]*\{ word-break: keep-all; \}", phone)
    # Only unmarked tables scroll inside themselves.
    assert "main.xd-main table:not(.xd-stack)" in phone


# The lists a phone user opens: every table a card list, every body cell labelled.


def cards(page: str) -> list[str]:
    """The page's tables, each asserted to stack on a phone with every body cell
    labelled (a details table — label beside value — fits a phone as it is)."""
    tables = re.findall(r"<table\b[^>]*>", page)
    stacked = stacked_tables(page)
    assert len(stacked) == len([t for t in tables if "xd-details-table" not in t]), tables
    for table in stacked:
        assert not unlabelled_cells(table), unlabelled_cells(table)
    return stacked


def labelled(client, path: str) -> set[str]:
    """The column names on the cells of the page's tables (all of them card lists)."""
    response = client.get(path)
    assert response.status_code == 200, path
    return set().union(*(labels(t) for t in cards(response.content.decode())))


TASK_COLUMNS = {"事项", "内容", "流程", "办理期限", "状态", "操作"}


def test_my_tasks_and_the_home_pages_read_as_cards(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    process = process_of(Dispatch.objects.get(cadre=world.cadre_a), "DispatchFlow")
    client.force_login(staff.lily)
    assert labelled(client, "/tasks/") == TASK_COLUMNS
    home = client.get("/").content.decode()
    assert labelled(client, "/") == TASK_COLUMNS | {"姓名", "单位", "职务"}  # her unit's cadres
    assert re.search(r'<td class="xd-name" data-label="姓名"><a href="[^"]+">王堃</a></td>', home)
    assert '<td data-label="操作"><a class="button secondary"' in home  # 办理, one tap away

    client.force_login(world.bob)  # the classes coming up
    assert {"班次", "培训机构", "起止日期", "名额"} <= labelled(client, "/")

    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)  # the trainee: a task, and his own record as label/value
    assert labelled(client, "/") == TASK_COLUMNS
    home = client.get("/").content.decode()
    record = re.search(r'<table class="xd-details-table">.*?</table>', home, re.S).group(0)
    assert re.search(
        r'<tr><th>姓名</th><td class="xd-name"><a href="[^"]+">王堃</a></td></tr>', record
    )


def test_the_inbox_and_the_documents_read_as_cards(
    world, staff, klass, client, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the notice and its message
        issue_roll_call(client, world, klass, [world.cadre_a])
    client.force_login(staff.lily)
    assert labelled(client, "/inbox/") == {"时间", "事件", "标题", "公文", "签收", "操作"}
    client.force_login(world.bob)
    assert labelled(client, "/documents/") == {"发文字号", "标题", "印发时间", "页数"}


def test_roll_calls_classes_and_a_record_read_as_cards(world, staff, klass, client):
    at_attendance(client, world, staff, klass)
    roll_call = RollCall.objects.get()
    client.force_login(world.bob)
    assert labelled(client, "/rollcalls/") == {
        "培训班次",
        "调训方式",
        "组织部门",
        "答复截止时间",
        "状态",
    }
    path = f"/rollcalls/{roll_call.pk}/acknowledgements/"
    assert labelled(client, path) == {"干部", "单位", "发文字号", "签收时间", "签收IP地址"}
    assert '<td class="xd-name" data-label="干部">王堃</td>' in client.get(path).content.decode()
    assert labelled(client, "/classes/") == {
        "班次",
        "培训机构",
        "主办单位",
        "起止日期",
        "学时",
        "名额",
    }
    # A card wraps its dates at the dash, never inside a date (2027年2月 / 4日).
    span = r'<span class="xd-date">\d{4}年\d+月\d+日</span>—<span class="xd-date">\d{4}年'
    assert re.search(span, client.get("/classes/").content.decode())
    assert re.search(r"\.xd-date \{ white-space: nowrap; \}", SITE_CSS.read_text())
    record = labelled(client, f"/cadres/{world.cadre_a.pk}/record/")
    assert {"指标", "已完成学时", "天数", "要求学时", "状态"} <= record  # compliance
    assert {"日期", "类别", "事项", "查看"} <= record  # the timeline


def test_the_overdue_list_reads_as_cards(world, staff, klass, client):
    """A confirmation, a decision on a leave request and a unit's nomination, all late."""
    # 18:00 three days on: when the leave request's decision falls due too.
    due = close_of_business(timezone.localdate() + dt.timedelta(days=3))
    client.force_login(world.bob)
    post_roll_call(client, klass, [world.cadre_a, world.cadre_a1], due.strftime("%Y-%m-%dT%H:%M"))
    quota = training_class(world.city_od, world.school, klass.start_date, quota=40)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": quota.pk,
            "mode": "quota",
            "response_deadline": due.strftime("%Y-%m-%dT%H:%M"),
            f"seats_{world.a.pk}": "1",
        },
    )
    leave = process_of(Dispatch.objects.get(cadre=world.cadre_a1), "DispatchFlow")
    request(client, staff.lily, leave, "leave")
    with time_machine.travel(due + dt.timedelta(hours=1), tick=False):
        client.force_login(world.bob)
        page = client.get("/dispatches/overdue/").content.decode()
    dispatches, approvals, nominations = cards(page)
    assert labels(dispatches) == {
        "干部",
        "单位",
        "培训班次",
        "状态",
        "确认截止",
        "签收截止",
        "已督办",
        "操作",
    }
    assert '<td class="xd-name" data-label="干部">王堃</td>' in dispatches
    assert labels(approvals) == {"申请类别", "审批主体", "审批期限", "已督办", "操作"}
    assert labels(nominations) == {"单位", "培训班次", "名额", "答复截止时间", "操作"}
    assert re.search(r'<td data-label="操作"><span><a href="/workflow/[^"]+">', nominations)


def test_surveys_plans_and_evaluations_read_as_cards(world, staff, klass, client):
    open_survey(client, world.bob, world)
    assert labelled(client, "/surveys/") == {
        "标题",
        "培训年度",
        "组织部门",
        "填报截止时间",
        "状态",
        "已同意",
    }
    partner = Partner()
    plan = planning.plan_create(actor=world.bob, org_department=world.city_od, year=2027)
    quota_line(world, plan, seats=6, partner=partner.od, partner_seats=2)
    publish(world, staff, plan)
    client.force_login(world.bob)
    assert labelled(client, "/plans/") == {"标题", "组织部门", "年度", "版本", "状态"}
    client.force_login(partner.pete)  # the seats offered to the partner, and 提名
    offered = labelled(client, "/plans/")
    assert {
        "培训班次",
        "主办单位",
        "开始日期",
        "调训日期",
        "对口支援名额",
        "已提名",
        "操作",
    } <= offered

    attended(client, world, staff, klass, [world.cadre_a])
    assert Evaluation.objects.filter(cadre=world.cadre_a).exists()
    client.force_login(world.dave)
    assert labelled(client, "/feedback/evaluations/") == {"班次", "培训机构", "起止日期", "状态"}


def test_viewflows_lists_read_as_cards(world, staff, klass, client):
    """A flow's queue, inbox, archive, processes and tasks, and the class catalogue: each
    cell labelled with its column's header."""
    at_attendance(client, world, staff, klass)
    for person, path, expected in (
        (world.rita, "/workflow/dispatch/queue/", {"编号", "事项", "内容", "创建时间"}),
        (staff.lily, "/workflow/dispatch/archive/", {"编号", "内容", "创建时间", "完成时间"}),
        (world.bob, "/workflow/dispatch/flows/", {"编号", "内容", "未办结事项", "创建时间"}),
        (world.bob, "/workflow/dispatch/tasks/", {"编号", "环节", "内容", "办理人", "创建时间"}),
        (world.bob, "/workflow/catalog/trainingclass/", {"名称", "培训机构", "开始日期", "名额"}),
    ):
        client.force_login(person)
        assert expected <= labelled(client, path), path
        assert 'data-label=""' not in client.get(path).content.decode(), path


def test_an_empty_viewflow_list_says_so(world, client):
    """A list with no rows says 暂无 in one row across the table, not an empty card."""
    client.force_login(world.alice)
    page = client.get("/workflow/approval/inbox/").content.decode()
    (table,) = stacked_tables(page)
    assert re.search(r'<tr class="xd-empty-row"><td colspan="\d+">暂无', table), table[-400:]


# Wide tables a phone squeezed or cut off (a plan's thirteen columns one character a line,
# the feedback report's last columns out of sight, the import kinds' file control clipped,
# the circular's 表1 and 表2 running off the right edge): each row a card, each cell named.


def stacked(page: str, marker: str) -> str:
    """The stacked table that holds `marker`, with every body cell labelled."""
    (table,) = [t for t in stacked_tables(page) if marker in t]
    assert not unlabelled_cells(table), unlabelled_cells(table)
    return table


def test_a_plans_classes_and_consultations_read_as_cards(world, staff, klass, client):
    plan = planning.plan_create(actor=world.bob, org_department=world.city_od, year=2027)
    quota_line(world, plan, name="科级干部进修班")
    client.force_login(world.bob)  # the drafter: the actions column too
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    cards(page)  # every table of the page
    table = stacked(page, "科级干部进修班")
    assert labels(table) == {
        "班次名称",
        "培训机构",
        "开始日期",
        "结束日期",
        "调训日期",
        "学时",
        "名额",
        "调训对象",
        "调训方式",
        "各单位名额",
        "对口支援（协作）组织部门",
        "课程",
        "教学指标豁免",
        "操作",
    }
    # A cell of several parts keeps them together in the card's value column.
    assert re.search(r'<td data-label="操作"><span><a href="[^"]+">', table)

    planning.plan_submit(actor=world.bob, plan=plan, deadline=timezone.now() + dt.timedelta(days=2))
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    cards(page)
    consulted = stacked(page, 'data-label="轮次"')
    assert labels(consulted) == {"单位", "轮次", "状态", "意见说明", "截止时间"}
    assert f'<td data-label="单位">{world.school_unit.name}</td>' in consulted

    # A plan without classes: one row across the whole table.
    empty = planning.plan_create(actor=world.bob, org_department=world.city_od, year=2028)
    cards(client.get(f"/plans/{empty.pk}/").content.decode())


def test_the_feedback_report_reads_as_cards(world, staff, klass, client):
    attended(client, world, staff, klass, [world.cadre_a])
    client.force_login(world.bob)
    table = stacked(client.get("/feedback/report/").content.decode(), klass.name)
    assert labels(table) == {
        "班次",
        "培训机构",
        "起止日期",
        "应评人数",
        "已评人数",
        "平均评分",
        "已跟踪",
        "已运用",
        "部分运用",
        "未运用",
        "平均等级",
    }
    assert re.search(r'<td data-label="已跟踪">0/1</td>', table)


def test_the_import_kinds_and_batches_read_as_cards(world, client):
    from imports.models import ImportBatch

    ImportBatch.objects.create(
        kind="cadres",
        uploaded_by=world.bob,
        file="imports/cadres.csv",
        file_name="新任职干部名册.xlsx",
        sha256="0" * 64,
        rows_total=12,
        rows_error=1,
    )
    client.force_login(world.bob)
    page = client.get("/imports/").content.decode()
    cards(page)  # every table of the page
    kinds = stacked(page, 'type="file"')
    assert labels(kinds) == {"数据类别", "模板", "上传"}
    assert re.search(r'<td data-label="上传"><form method="post"', kinds)
    assert re.search(r'<td data-label="数据类别"><span><a href="/imports/', kinds)
    batches = stacked(page, "新任职干部名册.xlsx")
    assert labels(batches) == {"文件", "数据类别", "上传时间", "状态", "行数", "有错误的行"}
    assert '<td data-label="数据类别">干部</td>' in batches


def test_the_circulars_figures_read_as_cards(world, klass, client):
    today = timezone.localdate()
    Dispatch.objects.create(
        training_class=klass,
        cadre=world.cadre_a,
        unit=world.a,
        status="attended",
        confirm_due=timezone.now(),
    )
    klass.start_date, klass.end_date = today - dt.timedelta(days=10), today - dt.timedelta(days=6)
    klass.report_date = klass.start_date
    klass.save()
    circular_start(client, world, today - dt.timedelta(days=30), today)
    task = open_task(process_of(Circular.objects.get(), "CircularFlow"), "draft")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    attendance = stacked(page, 'id="circular-attendance"')
    assert labels(attendance) == {
        "单位",
        "点名",
        "参训",
        "请假",
        "缓训",
        "免训",
        "无故缺训",
        "退训",
        "未结",
        "参训率",
    }
    assert f'<td class="unit" data-label="单位">{world.a.name}</td>' in attendance
    followup = stacked(page, 'id="circular-followup"')
    assert labels(followup) == {
        "单位",
        "应补训",
        "补训逾期",
        "通知",
        "签收",
        "签收率",
        "学时达标率",
    }


def test_the_reports_and_the_approval_history_read_as_cards(world, staff, klass, client):
    """The compliance reports, a class's candidates, the feedback by institution and by
    class, a survey's units and results, plan against actual, an import's column guide,
    and the decisions so far on an approval's page (a head reads it before deciding):
    each a card list on a phone, not columns squeezed to a character each."""
    client.force_login(world.bob)
    assert labelled(client, "/compliance/") == {
        "姓名",
        "单位",
        "类别",
        "指标完成情况",
        "状态",
        "差距",
    }
    assert len(cards(client.get("/compliance/cycles/").content.decode())) == 1  # no rows yet
    assert "姓名" in labelled(client, f"/classes/{klass.pk}/candidates/")
    assert labelled(client, "/imports/classes/") == {"列名", "必填", "说明", "示例"}
    survey = open_survey(client, world.bob, world)
    assert {"单位", "状态"} <= labelled(client, f"/surveys/{survey.pk}/")
    labelled(client, f"/surveys/{survey.pk}/results/")
    plan = planning.plan_create(actor=world.bob, org_department=world.city_od, year=2027)
    quota_line(world, plan, name="科级干部进修班")
    publish(world, staff, plan)
    client.force_login(world.bob)
    actual = labelled(client, f"/plans/{plan.pk}/actual/")
    assert {"培训班次", "单位", "计划名额"} <= actual

    attended(client, world, staff, klass, [world.cadre_a])
    client.force_login(world.bob)
    assert "培训机构" in labelled(client, "/feedback/report/institutions/")
    assert "应评人数" in labelled(client, f"/feedback/report/classes/{klass.pk}/")


def test_the_decisions_so_far_read_as_cards(world, staff, klass, client):
    from approvals.models import ApprovalRequest

    issue_roll_call(client, world, klass, [world.cadre_a])
    request(client, staff.lily, process_of(Dispatch.objects.get(), "DispatchFlow"), "leave")
    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    client.force_login(world.alice)
    act(client, open_task(approval, "head_review"), {"decision": "approved", "comment": "同意"})
    client.force_login(world.alice)
    page = client.get(f"/workflow/approval/{approval.pk}/").content.decode()
    table = stacked(page, 'data-label="轮次"')
    assert labels(table) == {"轮次", "审批环节", "审批人", "审批意见", "意见说明", "时间"}


def test_a_classs_curriculum_and_its_indicators_read_as_cards(world, klass, client):
    """The class page's sessions and teaching indicators: on a phone, cards with every
    cell named (a long session title squeezed the teacher to one character a line)."""
    from decimal import Decimal

    from dispatch.models import ClassSession
    from dispatch.services.curriculum import class_session_save

    class_session_save(
        actor=world.bob,
        session=ClassSession(
            training_class=klass,
            date=klass.start_date,
            title="习近平新时代中国特色社会主义思想专题",
            hours=Decimal("8"),
            teacher="党校教师",
            content="theory",
        ),
    )
    client.force_login(world.bob)
    columns = labelled(client, f"/classes/{klass.pk}/")
    assert {"日期", "学时", "授课人"} <= columns
    assert {"占总课时比例", "要求"} <= columns, columns
