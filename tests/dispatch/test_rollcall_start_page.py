"""UX round 2: what the crawl of the demo found — prefilled dates, the facts of a task's
claim and detail pages, the kanban's finished column, delegation to a deputy, untranslated
Viewflow texts, the side panel, dates in one format, the favicon, the roll call start page
and the decision forms."""

import datetime as dt
import re

import pytest

from dispatch.models import Dispatch, Filing
from tests.factories import training_class
from tests.flowtools import (
    act,
    deadline,
    filing_data,
    issue_roll_call,
    open_task,
    process_of,
    task_url,
)

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def input_value(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


# -- 1. prefilled dates --------------------------------------------------------------


def test_the_filing_correction_form_shows_its_dates_in_the_pickers(world, staff, client):
    client.force_login(staff.lily)
    assert client.post("/workflow/filing/start/", filing_data(world)).status_code == 302
    filing = Filing.objects.get()
    process = process_of(filing, "FilingFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "review"), {"decision": "returned", "reason": "请附日程"})
    client.force_login(staff.lily)
    task = open_task(process, "correct")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert input_value(page, "start_date") == filing.start_date.isoformat()
    assert input_value(page, "end_date") == filing.end_date.isoformat()
    assert 'type="date"' in page


def test_date_and_datetime_widgets_render_iso_values():
    from dispatch.forms import RollCallForm
    from org.forms import DelegationForm

    form = DelegationForm(
        initial={"starts_on": dt.date(2026, 10, 28)}, candidates=Dispatch.objects.none()
    )
    assert 'value="2026-10-28"' in str(form["starts_on"])
    form = RollCallForm(initial={"response_deadline": dt.datetime(2026, 10, 28, 9, 30)})
    assert 'value="2026-10-28T09:30"' in str(form["response_deadline"])


# -- 2. the facts of a task's claim and detail pages ---------------------------------


def test_claim_and_detail_pages_show_their_facts_as_text(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    page = client.get(task_url(task, "assign")).content.decode()
    assert "md-outlined-text-field" not in page
    facts = page[page.index("xd-task-facts") :]
    assert "王堃" in facts and "全市专题培训班" in facts  # 内容
    assert "尚未认领" in facts or "未认领" in facts  # 办理人
    assert world.a.name in facts  # 所属范围
    act(client, task, {"action": "confirm"})
    page = client.get(task_url(task, "detail")).content.decode()
    assert "md-outlined-text-field" not in page
    assert "王堃" in page[page.index("xd-task-facts") :]


# -- 8. the favicon ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/workflow/dispatch/", "/admin/", "/accounts/login/"])
def test_every_page_links_an_icon_that_exists(url, world, client):
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles import finders

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    if url != "/accounts/login/":
        client.force_login(admin)
    page = client.get(url).content.decode()
    icons = re.findall(r'<link rel="(?:alternate )?icon" href="/static/([^"]+)"', page)
    assert "xundiao/favicon.svg" in icons and "xundiao/favicon.ico" in icons
    for icon in icons:
        assert finders.find(icon), icon


def test_the_browsers_own_favicon_request_finds_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/xundiao/favicon.ico"


# -- 3. the kanban's closed column ----------------------------------------------------


def accepted_filing(client, world, staff, title):
    client.force_login(staff.lily)
    data = filing_data(world, title=title)
    assert client.post("/workflow/filing/start/", data).status_code == 302
    filing = Filing.objects.get(title=title)
    client.force_login(world.bob)
    act(client, open_task(process_of(filing, "FilingFlow"), "review"), {"decision": "accepted"})
    return filing


def test_the_kanban_names_closed_processes_by_subject_at_a_flat_cost(
    world, staff, client, django_assert_max_num_queries
):
    accepted_filing(client, world, staff, "第一期业务培训")
    client.force_login(world.bob)
    with django_assert_max_num_queries(80) as captured:
        page = client.get("/workflow/filing/").content.decode()
    before = len(captured)
    assert "已办结" in page and "完成时间" not in page
    closed = page[page.index("已办结") :]
    assert "第一期业务培训" in closed and "已结束" not in closed
    assert "办结时间" in closed
    for n in range(2, 8):
        accepted_filing(client, world, staff, f"第{n}期业务培训")
    client.force_login(world.bob)
    with django_assert_max_num_queries(before):
        page = client.get("/workflow/filing/").content.decode()
    assert "第7期业务培训" in page[page.index("已办结") :]


# -- 4. delegation to a deputy -------------------------------------------------------


def test_a_head_may_delegate_only_to_a_colleague_of_the_unit(world, staff, client):
    from org.models import Delegation
    from tests.factories import user

    deputy = user("a.deputy", "deputy_head", world.a, first_name="赵副")
    below = user("a1.deputy", "deputy_head", world.a1, first_name="钱科")  # a unit below
    user("a.auditor", "auditor", world.root, first_name="孙审")
    client.force_login(world.alice)
    page = client.get("/delegations/").content.decode()
    form = page[page.index('name="delegate"') : page.index("</select>")]
    assert "赵副" in form and "a.deputy" not in form  # the name, not the login
    for outsider in ("lily", "bob", "charlie", "孙审", "钱科", "alice"):
        assert outsider not in form, outsider
    today = dt.date.today()
    window = {"starts_on": today, "ends_on": today + dt.timedelta(days=3)}
    for refused in (staff.lily, world.bob, below, world.charlie):
        response = client.post("/delegations/", {"delegate": refused.pk, **window})
        assert response.status_code == 200
        assert "只能委托" in response.content.decode(), refused
    assert not Delegation.objects.exists()
    response = client.post("/delegations/", {"delegate": deputy.pk, **window})
    assert response.status_code == 302
    assert Delegation.objects.get().delegate == deputy
    assert user_reloaded(deputy).has_perm("org.approve_as_head", world.a)
    client.force_login(deputy)
    page = client.get("/").content.decode()
    assert "副职负责人" in page or "副职" in page
    assert "alice" in page  # delegated by the head (no full name: the login)


def user_reloaded(u):
    return type(u).objects.get(pk=u.pk)


def test_a_head_without_colleagues_is_told_whom_to_ask(world, client):
    client.force_login(world.charlie)
    page = client.get("/delegations/").content.decode()
    assert 'name="delegate"' not in page
    assert "组织部门" in page


# -- 5. Viewflow's texts --------------------------------------------------------------


def test_the_chart_labels_gateway_edges_in_chinese(world, client):
    client.force_login(world.bob)
    svg = client.get("/workflow/dispatch/chart/").content.decode()
    labels = re.findall(r'<text class="edge-label"[^>]*>([^<]*)</text>', svg)
    assert labels and set(labels) <= {"是", "否"}, labels
    bpmn = client.get("/workflow/dispatch/chart/?format=bpmn").content.decode()
    assert bpmn.startswith("<?xml")
    assert 'name="是"' in bpmn and 'name="yes"' not in bpmn


def test_the_cancel_page_of_a_process_is_in_chinese(world, klass, client):
    from django.contrib.auth import get_user_model

    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    page = client.get(f"/workflow/dispatch/{process.pk}/cancel/").content.decode()
    assert "tasks active" not in page and "No owner assigned" not in page
    assert "1 项待办" in page or "1项" in page
    assert "单位确认参训或提出申请" in page  # the task's title, not its node name
    assert "尚未认领" in page or "未认领" in page


# -- 6. the task pages -----------------------------------------------------------------


def panel_rows(page: str) -> list[tuple[str, str]]:
    panel = page[page.index("xd-panel") :]
    panel = panel[: panel.index("</table>")]
    rows = re.findall(r"<th[^>]*>\s*(.*?)\s*</th>\s*<td>\s*(.*?)\s*</td>", panel, re.S)
    return [(label, re.sub(r"<[^>]+>", "", value).strip()) for label, value in rows]


def test_the_side_panel_names_each_row_once_wraps_and_shows_whole_numbers(
    world, staff, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    page = client.get(task_url(task, "assign")).content.decode()
    rows = panel_rows(page)
    labels = [label for label, _value in rows]
    assert len(labels) == len(set(labels)), labels
    assert "流程状态" in labels and "流程发起时间" in labels
    values = dict(rows)
    assert values["培训期间请假学时"] == "0", values
    assert 'class="vf-list__table xd-panel"' in page
    assert "xundiao/workflow.css" in page  # where .xd-panel wraps long names


def test_viewflow_messages_name_the_task_by_its_subject(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    response = client.post(task_url(task, "assign"), follow=True)
    page = response.content.decode()
    snackbar = page[page.index("<vf-snackbar") : page.index("</vf-snackbar>")]
    assert "王堃" in snackbar and "全市专题培训班" in snackbar, snackbar
    assert f">#{task.pk}<" not in snackbar


def test_the_acknowledgement_report_names_the_ip_address(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    from dispatch.models import RollCall

    client.force_login(world.bob)
    page = client.get(f"/rollcalls/{RollCall.objects.get().pk}/acknowledgements/")
    assert "签收IP地址" in page.content.decode()


# -- 7. dates in one format -------------------------------------------------------------

LONG_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
LONG_DATETIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")
OTHER_DATES = re.compile(r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b")


def visible(page: str) -> str:
    """The page's text outside tags, scripts and input values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def test_dates_read_the_same_on_the_home_inbox_and_approval_pages(world, staff, klass, client):
    from django.utils import formats

    assert formats.date_format(dt.date(2026, 11, 27), "SHORT_DATE_FORMAT") == "2026年11月27日"
    assert formats.date_format(dt.datetime(2026, 11, 27, 8, 34), "SHORT_DATETIME_FORMAT") == (
        "2026年11月27日 08:34"
    )
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    home = visible(client.get("/").content.decode())
    assert "办理期限" in home and LONG_DATETIME.search(home), home[-3000:]
    act(
        client,
        open_task(process, "confirm"),
        {"action": "request", "kind": "leave", "reason": "出差"},
    )
    client.force_login(world.alice)
    inbox = visible(client.get("/inbox/").content.decode())
    assert LONG_DATETIME.search(inbox)
    from approvals.models import ApprovalRequest

    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    task = open_task(approval, "head_review")
    client.post(task_url(task, "assign"))
    page = visible(client.get(task_url(task, "execute")).content.decode())
    assert LONG_DATETIME.search(page)
    for text in (home, inbox, page):
        assert not OTHER_DATES.search(text), OTHER_DATES.search(text).group(0)


# -- 9. the roll call's start page ---------------------------------------------------------


def test_the_start_page_groups_cadres_by_unit_and_offers_a_seat_table(world, klass, client):
    started = training_class(world.city_od, world.school, dt.date.today(), name="已开班的班")
    client.force_login(world.bob)
    page = client.get("/workflow/rollcall/start/").content.decode()
    picker = re.search(r'<select name="cadres"[^>]*>(.*?)</select>', page, re.S)
    assert picker and 'size="15"' in picker.group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', picker.group(1), re.S)
    by_unit = {label: body for label, body in groups}
    assert "王堃" in by_unit[world.a.name] and "李玥" in by_unit[world.a1.name]
    assert 'id="xd-cadre-filter"' in page  # the filter box, and its script
    assert "<script>" in page and "xd-cadre-picker" in page
    # The seat table: a number per unit of the jurisdiction, by name (no codes to type).
    for unit in (world.root, world.a, world.a1, world.county, world.b):
        assert f'name="seats_{unit.pk}"' in page, unit.name
    assert 'type="number"' in page and 'name="allocations"' in page
    assert 'data-mode="named"' in page and 'data-mode="quota"' in page
    classes = re.search(r'<select name="training_class"[^>]*>(.*?)</select>', page, re.S)
    assert klass.name in classes.group(1) and started.name not in classes.group(1)


def test_the_county_dispatcher_sees_only_the_county_in_both_lists(world, klass, client):
    client.force_login(world.carol)
    page = client.get("/workflow/rollcall/start/").content.decode()
    assert f'name="seats_{world.b.pk}"' in page and f'name="seats_{world.a.pk}"' not in page
    assert "张喆" in page and "王堃" not in page


def quota(client, world, klass, **fields):
    client.force_login(world.bob)
    return client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(10),
            **fields,
        },
    )


def test_seats_from_the_table_make_a_quota_roll_call(world, klass, client):
    from dispatch.models import QuotaAllocation

    response = quota(
        client, world, klass, **{f"seats_{world.a.pk}": "2", f"seats_{world.b.pk}": "1"}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    seats = dict(QuotaAllocation.objects.values_list("unit__code", "seats"))
    assert seats == {world.a.code: 2, world.b.code: 1}


def test_bad_seat_numbers_are_refused_with_a_message(world, klass, client):
    from dispatch.models import RollCall

    page = quota(client, world, klass, **{f"seats_{world.a.pk}": "-1"}).content.decode()
    assert "确保该值大于或等于0" in page or "大于或等于" in page
    page = quota(client, world, klass).content.decode()
    assert "请至少为一个单位分配名额" in page or "至少" in page
    page = quota(client, world, klass, **{f"seats_{world.a.pk}": "99"}).content.decode()
    assert "99" in page and "名额" in page
    # A unit given seats in the table and in the text is refused as twice.
    page = quota(
        client, world, klass, allocations=f"{world.a.code} 1", **{f"seats_{world.a.pk}": "1"}
    ).content.decode()
    assert "重复" in page or "两次" in page
    assert not RollCall.objects.exists()


def test_a_unit_outside_the_jurisdiction_cannot_be_given_seats(world, klass, client):
    from dispatch.models import RollCall

    client.force_login(world.carol)
    county_class = training_class(
        world.county_od, world.school, dt.date.today() + dt.timedelta(days=30)
    )
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": county_class.pk,
            "mode": "quota",
            "response_deadline": deadline(10),
            f"seats_{world.a.pk}": "1",
        },
    )
    assert response.status_code == 200
    assert not RollCall.objects.exists()


# -- 10. decision forms -------------------------------------------------------------------


def test_a_return_or_rejection_without_a_reason_is_refused_beside_the_reason(world, staff, client):
    client.force_login(staff.lily)
    assert client.post("/workflow/filing/start/", filing_data(world)).status_code == 302
    filing = Filing.objects.get()
    process = process_of(filing, "FilingFlow")
    task = open_task(process, "review")
    client.force_login(world.bob)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert "选择“退回修改”、“不同意”时必填" in page, page[-3000:]
    for decision in ("returned", "rejected"):
        response = client.post(task_url(task, "execute"), {"decision": decision, "reason": " "})
        page = response.content.decode()
        assert response.status_code == 200
        reason = page[page.index('name="reason"') - 600 : page.index('name="reason"')]
        assert "请说明理由" in reason, reason
    filing.refresh_from_db()
    assert filing.status == "submitted"
    # The labels end in the full-width colon of Chinese text.
    assert "理由：</label>" in page and "理由:</label>" not in page


def test_an_approval_rejected_without_a_comment_is_refused_beside_it(world, staff, klass, client):
    from approvals.models import ApprovalRequest

    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    task = open_task(process, "confirm")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert page.count("申请不参训时必填") == 2  # beside 申请类别 and 理由
    act(client, task, {"action": "request", "kind": "leave", "reason": "出差"})
    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    client.force_login(world.alice)
    response = act(client, open_task(approval, "head_review"), {"decision": "rejected"})
    page = response.content.decode()
    assert response.status_code == 200
    comment = page[page.index('name="comment"') - 600 : page.index('name="comment"')]
    assert "请说明" in comment, comment
    assert ApprovalRequest.objects.get().status == "pending"


def test_the_trainee_acknowledges_with_the_notice_at_hand(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatch = Dispatch.objects.get()
    assert dispatch.notice_reference
    from notifications.models import IssuedDocument

    notice = IssuedDocument.objects.get(document_number=dispatch.notice_reference)
    client.force_login(world.dave)
    task = open_task(process, "acknowledge")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert f'href="/documents/{notice.pk}/"' in page
    assert client.get(f"/documents/{notice.pk}/").status_code == 200
