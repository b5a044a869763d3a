"""Bad input in forms, attachments, task reassignment and query strings gets a clear
Chinese answer — a form error (200), or 404 for an id that is no object — never a 500, and
writes nothing: the rows of the records it could touch and the audit events stay as they
were. Ids in URLs and commands: test_bad_ids.py."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from viewflow.workflow.status import STATUS

from approvals import services as approval_services
from approvals.models import ApprovalRequest, ApprovalStep
from audit.models import AuditEvent
from core import validation
from dispatch.models import Dispatch, TrainingClass
from org.models import Cadre
from tests.factories import id_number
from tests.flowtools import (
    decide,
    issue_roll_call,
    named,
    open_task,
    process_of,
    request,
    task_url,
)
from tests.hardening.bad_input_kit import BIG, HUGE, LONG, counts, refused

# -- forms --------------------------------------------------------------------------------


def class_data(world, **changes):
    start = dt.date.today() + dt.timedelta(days=40)
    data = {
        "name": "新班次",
        "institution": world.school.pk,
        "organizer": world.city_od.pk,
        "kind": "main",
        "start_date": start,
        "end_date": start + dt.timedelta(days=4),
        "report_date": start,
        "location": "党校",
        "credit_hours": "40",
        "days": 5,
        "quota": 20,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"days": 0}, "培训天数须在 1 至 366 天之间"),
        ({"days": -1}, "培训天数须在 1 至 366 天之间"),
        ({"days": 367}, "培训天数须在 1 至 366 天之间"),
        ({"days": "五"}, "整数"),
        ({"days": BIG}, "培训天数须在 1 至 366 天之间"),
        ({"quota": 0}, "名额须在 1 至 10000 人之间"),
        ({"quota": 10_001}, "名额须在 1 至 10000 人之间"),
        ({"quota": 10**12}, "名额须在 1 至 10000 人之间"),
        ({"quota": -5}, "名额须在 1 至 10000 人之间"),
        ({"credit_hours": "0"}, "学时必须大于 0"),
        ({"credit_hours": "-8"}, "学时必须大于 0"),
        ({"credit_hours": "NaN"}, "数字"),
        ({"credit_hours": "1e400"}, "学时须为小于100000的数"),
        ({"name": "班" * 129}, "129"),
        ({"start_date": "2026-02-30"}, "日期"),
        ({"organizer": BIG}, "选择一个有效的选项"),
        ({"institution": "-1"}, "选择一个有效的选项"),
        ({"location": "党校\x00"}, "空字符"),
        # a mistyped year: 1900, 9999
        (
            {"start_date": "1900-01-01", "end_date": "1900-01-05", "report_date": "1900-01-01"},
            "1900年不合常理",
        ),
        ({"end_date": "9999-12-31"}, "距今超过3年"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else None,
)
def test_the_class_form_refuses_bad_numbers_with_a_chinese_message(world, bob, changes, message):
    before = counts()
    refused(bob.post("/classes/new/", class_data(world, **changes)), message)
    assert counts() == before


def test_a_class_at_the_bounds_is_saved(world, bob):
    response = bob.post(
        "/classes/new/", class_data(world, days=1, quota=10_000, credit_hours="0.5")
    )
    assert response.status_code == 302
    assert TrainingClass.objects.get(name="新班次").quota == 10_000


def cadre_data(world, **changes):
    data = {
        "name": "赵六",
        "gender": "M",
        "id_number": id_number(male=True),
        "unit": world.a.pk,
        "position": "科员",
        "rank": "",
        "category": "civil_servant",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"id_number": "abc"}, "18"),
        ({"id_number": "１１０１０５１９４９１２３１００２Ｘ"}, "身份证"),
        ({"id_number": "11010519491231002\x00"}, "空字符"),
        ({"name": "名" * 65}, "65"),
        ({"unit": BIG}, "选择一个有效的选项"),
        ({"unit": "abc"}, "选择一个有效的选项"),
        ({"category": "<script>"}, "选择一个有效的选项"),
        # flagged as an outstanding young cadre before they turned 18
        (
            {
                "id_number": id_number(male=True, born=dt.date(1990, 5, 20)),
                "is_young_cadre": "on",
                "young_cadre_since": "1900-01-01",
            },
            "年满18周岁",
        ),
    ],
    ids=lambda value: str(value)[:30] if isinstance(value, dict) else None,
)
def test_the_cadre_form_refuses_bad_fields_with_a_chinese_message(
    world, staff, client, changes, message
):
    client.force_login(staff.lily)
    before = counts()
    refused(client.post("/cadres/new/", cadre_data(world, **changes)), message)
    assert counts() == before


NEUTRAL = "该身份证号码无法登记，请联系组织部门核实。"


def test_a_liaison_learns_that_an_id_number_is_taken_only_within_reach(world, staff, client):
    client.force_login(staff.lily)  # liaison of unit A (and A1 below it)
    before = counts()
    holder = world.cadre_a1  # a woman of unit A1
    inside = client.post("/cadres/new/", cadre_data(world, gender="F", id_number=holder.id_number))
    page = refused(inside, "已有使用该身份证号码的干部")
    assert NEUTRAL not in page
    # Cadre B's unit lies in the county: the refusal says nothing of its existence.
    outside = client.post("/cadres/new/", cadre_data(world, id_number=world.cadre_b.id_number))
    page = refused(outside, NEUTRAL)
    assert "已有使用" not in page
    assert counts() == before


def test_changing_a_record_to_an_id_number_outside_reach_is_refused_neutrally(world, staff, client):
    client.force_login(staff.lily)
    cadre = world.cadre_a
    data = cadre_data(world, name=cadre.name, id_number=world.cadre_b.id_number, rank="")
    before = counts()
    page = refused(client.post(f"/cadres/{cadre.pk}/edit/", data), NEUTRAL)
    assert "已有使用" not in page
    assert counts() == before


def test_the_admin_applies_the_same_id_number_rule(world, root):
    before = counts()
    data = cadre_data(world, id_number=world.cadre_b.id_number)
    data.update(managing_org_department=world.city_od.pk, co_managing_org_department="")
    refused(root.post("/admin/org/cadre/add/", data), "已有使用该身份证号码的干部")
    assert counts() == before


def test_an_id_number_nobody_holds_is_registered(world, staff, client):
    client.force_login(staff.lily)
    response = client.post("/cadres/new/", cadre_data(world))
    assert response.status_code == 302
    assert Cadre.objects.filter(name="赵六").exists()


@pytest.mark.parametrize(
    "phone, message",
    [
        ("abc", "11 位内地手机号码"),
        ("1380000000", "11 位内地手机号码"),
        ("138000000000", "11 位内地手机号码"),
        ("23800000000", "11 位内地手机号码"),
        ("12800000000", "11 位内地手机号码"),
        ("0571-12345678", "11 位内地手机号码"),  # a landline takes no SMS
        ("<b>13800000000</b>", "11 位内地手机号码"),
        ("", "短信通知需要填写手机号码"),
    ],
)
def test_the_sms_phone_must_be_a_mainland_mobile_number(world, client, phone, message):
    client.force_login(world.nobody)
    before = counts()
    response = client.post("/inbox/preferences/", {"sms_enabled": "on", "phone": phone})
    refused(response, message)
    assert counts() == before


def test_one_validator_knows_mobile_and_landline_numbers():
    assert validation.validate_phone("138 0000 0000") == "13800000000"
    assert validation.validate_phone("0571-12345678") == "0571-12345678"
    assert validation.validate_phone("010-1234567") == "010-1234567"
    for bad in ["0571-123", "057112345678x", "110", "+86 13800000000", "1380000000０"]:
        with pytest.raises(ValidationError):
            validation.validate_phone(bad)
    with pytest.raises(ValidationError):
        validation.validate_mobile_phone("0571-12345678")


@pytest.fixture
def confirm(world, staff, klass, client):
    """The liaison of unit A at the confirmation of cadre A's dispatch; the task's URL."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 302
    return task_url(task, "execute")


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
HTML = b"<html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("note.html", HTML, "附件须为 PDF、JPEG、PNG、Word（DOC/DOCX）或 Excel（XLS/XLSX） 文件"),
        ("note.pdf", HTML, "附件内容与其 PDF 扩展名不符"),
        ("scan.png", PDF, "附件内容与其 PNG 扩展名不符"),
        ("setup.exe", b"MZ\x90\x00", "附件须为"),
        ("note", PDF, "附件须为"),
        ("letter.docx", b"not a zip", "附件内容与其 DOCX 扩展名不符"),
    ],
)
def test_a_request_attachment_must_be_a_document_or_scan(client, confirm, name, content, message):
    before = counts()
    data = {
        "action": "request",
        "kind": "leave",
        "reason": "因重大项目攻坚无法脱产",
        "attachment": SimpleUploadedFile(name, content),
    }
    refused(client.post(confirm, data), message)
    assert counts() == before
    assert not Dispatch.objects.exclude(request_attachment="").exists()


def test_an_oversized_attachment_is_refused(client, confirm, monkeypatch):
    monkeypatch.setattr(validation, "ATTACHMENT_MAX_BYTES", 1024 * 1024)
    before = counts()
    data = {
        "action": "request",
        "kind": "leave",
        "reason": "因重大项目攻坚无法脱产",
        "attachment": SimpleUploadedFile("scan.pdf", PDF + b"0" * (1024 * 1024)),
    }
    refused(client.post(confirm, data), "附件超过 1 MB")
    assert counts() == before


def test_a_pdf_attachment_with_a_reason_of_1000_characters_is_accepted(client, confirm):
    data = {
        "action": "request",
        "kind": "leave",
        "reason": "理" * 1000,
        "attachment": SimpleUploadedFile("scan.PDF", PDF),
    }
    assert client.post(confirm, data).status_code == 302
    dispatch = Dispatch.objects.get()
    assert dispatch.request_attachment and len(dispatch.request_reason) == 1000


def test_a_reason_longer_than_1000_characters_is_refused(client, confirm):
    before = counts()
    data = {"action": "request", "kind": "leave", "reason": "理" * 1001}
    refused(client.post(confirm, data), "1000")
    assert counts() == before


def test_services_bound_every_reason():
    assert validation.require_reason(" 因病 ", "说明理由") == "因病"
    assert len(validation.require_reason("理" * 1000, "说明理由")) == 1000
    with pytest.raises(ValidationError) as refusal:
        validation.require_reason("理" * 1001, "说明理由")
    assert "1000" in str(refusal.value.message_dict["reason"])
    with pytest.raises(ValidationError):
        validation.require_reason("  ", "说明理由")


def test_a_recognition_request_for_1900_is_refused(world, staff, client):
    client.force_login(staff.lily)
    before = counts()
    data = {
        "cadre": world.cadre_a.pk,
        "date": "1900-01-01",
        "hours": "24",
        "kind": "concentrated",
        "provider": "中国干部网络学院",
        "reason": "外出学习",
    }
    refused(client.post("/workflow/recognition/start/", data), "上一规划期的第一天")
    assert counts() == before


def test_a_recognition_request_with_an_endless_reason_is_refused(world, staff, client):
    client.force_login(staff.lily)
    before = counts()
    data = {
        "cadre": world.cadre_a.pk,
        "date": (dt.date.today() - dt.timedelta(days=30)).isoformat(),
        "hours": "24",
        "kind": "concentrated",
        "provider": "中国干部网络学院",
        "reason": "理" * 5000,
    }
    refused(client.post("/workflow/recognition/start/", data), "1000")
    assert counts() == before


def test_an_approval_decision_with_an_endless_comment_is_refused(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_b)
    assert request(client, staff.luke, process, "leave").status_code == 302
    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    client.force_login(world.charlie)  # claimed first: the claim is its own change
    assert client.post(task_url(open_task(approval, "head_review"), "assign")).status_code == 302
    before = counts()
    response = decide(client, world.charlie, approval, "head_review", "rejected", "理" * 1001)
    refused(response, "1000")
    assert counts() == before
    step = ApprovalStep.objects.get(stage=1)
    with pytest.raises(ValidationError) as refusal:
        approval_services.step_decide(
            actor=world.charlie, step=step, decision="rejected", comment="理" * 1001
        )
    assert "1000" in str(refusal.value.message_dict["comment"])
    assert counts() == before


@pytest.mark.parametrize(
    "name, content",
    [
        ("hours.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("hours.csv", "身份证号码,学习日期,学时\n".encode("utf-16")),
        ("hours.xlsx", b"PK\x03\x04 not really a workbook"),
    ],
)
def test_the_hours_import_refuses_unreadable_files(bob, name, content):
    before = counts()
    response = bob.post("/hours/import/", {"file": SimpleUploadedFile(name, content)})
    page = response.content.decode()
    assert response.status_code == 200, (response.status_code, page[:500])
    errors = re.search(r'class="errorlist[^>]*>(.*?)</ul>', page, re.S)
    assert errors and re.search(r"[\u4e00-\u9fff]", errors.group(1)), page[:3000]
    assert counts() == before


# -- reassigning a task -------------------------------------------------------------------


def test_an_unclaimed_task_can_be_reassigned(world, staff, bob, unclaimed):
    page = refused(bob.get(f"/tasks/{unclaimed.pk}/reassign/"), "尚未认领")
    assert "lily" in page
    response = bob.post(f"/tasks/{unclaimed.pk}/reassign/", {"user": staff.lily.pk})
    assert response.status_code == 302
    unclaimed.refresh_from_db()
    assert unclaimed.owner == staff.lily and unclaimed.status == STATUS.ASSIGNED
    assert AuditEvent.objects.filter(verb="task.reassign").count() == 1


@pytest.mark.parametrize("user", [BIG, HUGE, "-1", "abc", ""])
def test_reassigning_to_no_one_is_refused(bob, unclaimed, user):
    before = counts()
    refused(bob.post(f"/tasks/{unclaimed.pk}/reassign/", {"user": user}), "转交")
    unclaimed.refresh_from_db()
    assert unclaimed.owner is None and counts() == before


@pytest.mark.parametrize("pk", [HUGE, "abc", "1.5", "-1", "0"])
@pytest.mark.parametrize("action", ["queue/assign", "inbox/unassign"])
def test_viewflows_bulk_claim_takes_only_ids(world, staff, client, unclaimed, pk, action):
    """Viewflow's bulk claim and release put the posted pks into a query (a 500 for
    "abc" or 2**63): a list with any value that is no id selects nothing."""
    client.force_login(staff.lily)
    before = counts()
    for data in ({"pk": [pk]}, {"pk": [unclaimed.pk, pk], "_confirm": "1"}):
        assert client.post(f"/workflow/dispatch/{action}/", data).status_code in (200, 302)
    unclaimed.refresh_from_db()
    assert unclaimed.owner is None and counts() == before


@pytest.mark.parametrize("action", ["queue/assign", "inbox/unassign"])
def test_viewflows_bulk_claim_page_opened_without_a_selection_says_so_in_chinese(
    world, staff, client, unclaimed, action
):
    """Opened by its address, with nothing selected: back to the list, told in Chinese
    to select first (Viewflow's own "No objects selected" came as a success)."""
    client.force_login(staff.lily)
    before = counts()
    response = client.get(f"/workflow/dispatch/{action}/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain and "请先在列表中勾选任务" in page
    assert "No objects selected" not in page
    unclaimed.refresh_from_db()
    assert unclaimed.owner is None and counts() == before


# -- query strings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/cadres/?q={LONG}",
        "/cadres/?q=%00",
        "/cadres/?q=%25%5F%5C",
        f"/cadres/?unit={BIG}",
        f"/cadres/?unit={HUGE}&page={HUGE}",
        "/cadres/?unit=-1&page=-1",
        f"/compliance/?unit={BIG}",
        f"/compliance/?page={BIG}",
        f"/compliance/?page={HUGE}&status=<x>",
        "/compliance/?as_of=2026-13-45&since=abc",
        "/compliance/?as_of=9999-12-31",
        "/compliance/?as_of=9999-12-31&format=xlsx",
        "/compliance/?since=0001-01-01",
        "/compliance/?since=0001-01-01&as_of=0001-01-02&format=csv",
        f"/dispatches/?status={LONG[:1000]}&page={BIG}",
        f"/dispatches/overdue/?page={HUGE}&approvals_page=-1",
        f"/rollcalls/?page={BIG}",
        f"/classes/?page={HUGE}",
        f"/tasks/?show=%00&page={BIG}",
        f"/inbox/?event={LONG[:500]}&page={HUGE}&unread=x",
        f"/workflow/dispatch/?page={BIG}",
        "/workflow/dispatch/?status=%00",
    ],
    ids=lambda url: url[:60],
)
def test_odd_query_strings_get_a_page_not_a_crash(bob, url):
    before = counts()
    response = bob.get(url)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert "训调" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    "url",
    [
        f"/admin/org/cadre/?q={LONG}",
        "/admin/audit/auditevent/?q=%00",
        f"/admin/dispatch/trainingclass/?q={LONG}&p={BIG}",
    ],
    ids=lambda url: url[:50],
)
def test_admin_searches_are_bounded(world, root, url):
    before = counts()
    response = root.get(url)
    assert response.status_code == 200
    assert counts() == before


def test_an_admin_list_repeats_no_long_search_in_its_links(world, root):
    """The admin's filter links repeat `q`: cut before the admin sees it, the page stays
    small (a 200,000-character q made a 300 MB page of Viewflow's task list)."""
    response = root.get(f"/admin/viewflow/task/?q={LONG}")
    assert response.status_code == 200
    assert len(response.content) < 300_000
    assert LONG[:101] not in response.content.decode()


def test_an_anonymous_visitors_overlong_address_gets_a_chinese_page(client):
    response = client.get(f"/cadres/?x={'a' * 20_000}")
    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode()
    response = client.get(f"/cadres/?q={LONG}")  # the search is cut: on to the login page
    assert response.status_code == 302 and len(response["Location"]) < 2000


def test_dates_no_one_means_are_refused_where_they_are_typed(world, client):
    """A survey due in 9999, a delegation running to 2126, a circular of 1900: each a
    mistyped year, refused beside its field and nothing written."""
    import datetime as dt

    from circulars.periods import period_errors
    from org import services as org_services
    from org.models import Delegation
    from surveys.models import Survey
    from tests.factories import user
    from tests.surveys.kit import open_form

    client.force_login(world.bob)
    before = Survey.objects.count()
    response = client.post("/workflow/survey/start/", open_form(world, deadline="9999-12-31T18:00"))
    assert response.status_code == 200 and "请检查日期" in response.content.decode()
    assert Survey.objects.count() == before

    deputy = user("a.deputy", "deputy_head", world.a)
    today = dt.date.today()
    with pytest.raises(ValidationError) as refused:
        org_services.delegation_create(
            actor=world.alice, delegate=deputy, starts_on=today, ends_on=dt.date(2126, 1, 1)
        )
    assert "ends_on" in refused.value.message_dict
    assert not Delegation.objects.filter(delegate=deputy).exists()

    errors = period_errors("custom", dt.date(1900, 1, 1), dt.date(1900, 12, 31))
    assert "period_start" in errors and "1900" in errors["period_start"]
