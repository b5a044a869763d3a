"""The circular's text (issue 15, "Circular"): the drafter edits the generated text itself
(one body, one salutation), previews the first page while editing; the period reads
"2026年10月1日至12月13日" and "截至2026年12月13日"; an empty period gets a short text;
the approval does not render the PDF — a task does, and the process page shows how far
it has got."""

import contextlib
import datetime as dt
import io
from unittest import mock

import pdfplumber
from django.core.management import call_command
from django.test import TestCase

from audit.models import AuditEvent
from circulars import services
from circulars.models import Circular, CircularStatus
from notifications.documents import circular as circular_document
from notifications.documents.context import Issuer
from notifications.models import IssuedDocument
from tests.flowtools import act, circular_start, open_task, process_of, task_url

ISSUER = Issuer(name="中共某市委组织部", code="X组通")


def _text(context) -> str:
    return circular_document.body_text(context.body)


def test_a_span_of_dates_is_worded_once_and_as_of_its_last_day():
    label = services.period_label(dt.date(2026, 10, 1), dt.date(2026, 12, 13))
    assert label == "2026年10月1日至12月13日"
    assert (
        services.period_label(dt.date(2026, 12, 1), dt.date(2027, 1, 13))
        == "2026年12月1日至2027年1月13日"
    )
    assert services.period_label(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == "2026年第一季度"
    context = circular_document.circular(
        issuer=ISSUER,
        period=label,
        period_end=dt.date(2026, 12, 13),
        figures=[circular_document.UnitFigures(unit="某局", expected=4, attended=3, absent=1)],
        date=dt.date(2026, 12, 14),
    )
    text = _text(context)
    assert "截至2026年12月13日，无应补训人员。" in text  # no zeros recited
    assert "0人次" not in text
    assert "参训率75.0%；未经批准缺训1人次。" in text
    assert "截至2026年10月1日至" not in text and "日末" not in text
    assert "现将2026年10月1日至12月13日干部调训情况通报如下" in text


def test_units_whose_every_cadre_attended_are_counted_as_chinese_writes_them():
    def text_with(full: int) -> str:
        figures = [
            circular_document.UnitFigures(unit=f"第{i}局", expected=2, attended=2)
            for i in range(1, full + 1)
        ] + [circular_document.UnitFigures(unit="某局", expected=4, attended=3, absent=1)]
        return _text(
            circular_document.circular(
                issuer=ISSUER, period="2026年第一季度", figures=figures, date=dt.date(2026, 4, 1)
            )
        )

    assert "第1局参训率达到100%。" in text_with(1) and "等1个" not in text_with(1)
    assert "第1局、第2局、第3局共3个单位参训率达到100%。" in text_with(3)
    many = text_with(12)
    assert "第10局等12个单位参训率达到100%（详见附件1）。" in many and "第11局" not in many
    assert "参训率达到100%" not in text_with(0)


def _large_period(units: int, absences: int, overdue: int):
    """A period whose every unit attended below 90%, with `absences` unexcused absences
    and `overdue` overdue makeups, all with long class names."""
    klass = "2026年第一期全市处级领导干部学习贯彻党的二十届三中全会精神专题培训班"
    return circular_document.circular(
        issuer=ISSUER,
        period="2026年第一季度",
        figures=[
            circular_document.UnitFigures(unit=f"第{i}局", expected=10, attended=5, absent=5)
            for i in range(1, units + 1)
        ],
        absentees=[
            circular_document.Absentee(name=f"缺训{i}号", unit=f"第{i}局", missed_class=klass)
            for i in range(1, absences + 1)
        ],
        overdue_makeups=[
            circular_document.OverdueMakeup(name=f"逾期{i}号", unit="第1局", missed_class=klass)
            for i in range(1, overdue + 1)
        ],
        date=dt.date(2026, 4, 1),
    )


def test_the_text_names_ten_at_most_and_leaves_the_lists_to_the_attachments():
    context = _large_period(units=45, absences=37, overdue=12)
    text = _text(context)
    problems = next(line for line in text.splitlines() if "参训率低于90%" in line)
    assert problems.startswith("第1局、第2局") and problems.count("局") == 10
    assert problems.endswith("第10局等45个单位参训率低于90%（详见附件1），调训组织工作有待加强。")
    absent = next(line for line in text.splitlines() if "无故缺训，予以通报" in line)
    assert "缺训10号" in absent and "缺训11号" not in absent
    assert "等37人次（名单详见附件3）。" in absent
    overdue = next(line for line in text.splitlines() if "补训逾期未完成" in line)
    assert "逾期10号" in overdue and "逾期11号" not in overdue
    assert "等12人（名单详见附件3）。" in overdue
    # The attachments keep every unit and every name.
    table, _chart, lists = context.attachments
    assert len(table.blocks[0].rows) == 45 + 1  # and the total line
    assert [len(block.rows) for block in lists.blocks] == [37, 12]
    # The text no longer grows with the period.
    bigger = _text(_large_period(units=450, absences=370, overdue=120))
    assert len(bigger) - len(text) <= 12  # the counts' digits only


def test_up_to_ten_are_all_named_without_a_reference():
    text = _text(_large_period(units=3, absences=10, overdue=2))
    assert "第1局、第2局、第3局共3个单位参训率低于90%，调训组织工作有待加强。" in text
    assert "缺训10号" in text and "名单详见" not in text and "详见附件1" not in text
    one = _text(_large_period(units=1, absences=1, overdue=0))
    assert "第1局参训率低于90%，调训组织工作有待加强。" in one and "共1个" not in one


def test_a_period_without_dispatches_gets_a_short_text():
    context = circular_document.circular(
        issuer=ISSUER,
        period="2026年第一季度",
        figures=[],
        date=dt.date(2026, 4, 1),
        organizer="某市委组织部",
    )
    text = _text(context)
    assert text == "2026年第一季度，某市委组织部未组织干部调训。"
    assert "如下" not in text and context.attachments == []


def test_the_text_round_trips_through_the_drafters_box():
    context = circular_document.circular(
        issuer=ISSUER,
        period="2026年第一季度",
        figures=[circular_document.UnitFigures(unit="某局", expected=4, attended=4)],
        date=dt.date(2026, 4, 1),
    )
    text = _text(context)
    assert text.splitlines()[1] == "一、总体情况"
    assert circular_document.body_blocks(text) == list(context.body)


def _draft_page(client, world):
    circular_start(client, world, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    circular = Circular.objects.get()
    task = open_task(process_of(circular, "CircularFlow"), "draft")
    client.post(task_url(task, "assign"))
    return circular, task


def test_the_draft_box_holds_the_generated_text_and_the_pdf_prints_one_body(world, staff, client):
    circular, task = _draft_page(client, world)
    page = client.get(task_url(task, "execute")).content.decode()
    assert "2024年第一季度，某市委组织部未组织干部调训。" in page or "未组织干部调训" in page
    assert 'id="circular-preview"' in page and "circular_preview.js" in page

    body = "2024年第一季度，本部未组织干部调训。\n一、下步安排\n请各单位做好准备。"
    act(client, task, {"title": circular.title, "body": body})
    client.force_login(staff.oscar)
    process = process_of(circular, "CircularFlow")
    with TestCase.captureOnCommitCallbacks(execute=True):
        act(client, open_task(process, "approval"), {"decision": "approve"})
    circular.refresh_from_db()
    document = IssuedDocument.objects.get(pk=circular.document_id)
    with document.file.open("rb") as handle, pdfplumber.open(handle) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")
    assert "本部未组织干部调训" in text and "一、下步安排" in text
    assert "未组织干部调训。2024年第一季度" not in text  # the generated text is not added
    assert text.count("各县（市、区）委组织部") == 1  # one salutation


def test_the_preview_answers_the_first_page_and_completes_nothing(world, client):
    circular, task = _draft_page(client, world)
    response = client.post(
        task_url(task, "execute"),
        {"title": "关于2024年第一季度干部调训情况的通报", "body": "预览用的正文。", "preview": "1"},
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    from PIL import Image

    picture = Image.open(io.BytesIO(response.content))
    assert picture.width == 420 and 1.3 < picture.height / picture.width < 1.5  # A4
    circular.refresh_from_db()
    assert circular.status == CircularStatus.DRAFT and circular.body == ""
    task.refresh_from_db()
    assert task.status != "DONE"


def test_the_approval_queues_the_document_and_the_page_shows_progress(world, staff, client):
    circular, task = _draft_page(client, world)
    act(client, task, {"title": circular.title, "body": ""})
    process = process_of(circular, "CircularFlow")
    client.force_login(staff.oscar)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        response = act(client, open_task(process, "approval"), {"decision": "approve"})
    assert response.status_code == 302
    circular.refresh_from_db()
    # Approved, nothing rendered in the request: the rendering waits for the commit.
    assert circular.status == CircularStatus.ISSUING and not IssuedDocument.objects.exists()
    assert AuditEvent.objects.filter(verb="circular.approve").exists()
    page = client.get(f"/workflow/circular/{process.pk}/").content.decode()
    assert 'data-status="issuing"' in page and 'http-equiv="refresh"' in page
    assert "正在生成" in page

    for callback in queued:
        callback()
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUED and circular.document_number
    page = client.get(f"/workflow/circular/{process.pk}/").content.decode()
    assert 'data-status="issued"' in page and circular.document_number in page
    assert 'http-equiv="refresh"' not in page
    assert f"/documents/{circular.document_id}/" in page


def test_a_failed_rendering_keeps_the_reason_and_is_issued_again(world, staff, client):
    circular, task = _draft_page(client, world)
    act(client, task, {"title": circular.title, "body": ""})
    process = process_of(circular, "CircularFlow")
    client.force_login(staff.oscar)
    with (
        # The task's error reaches the test only where on_commit is not robust.
        contextlib.suppress(RuntimeError),
        mock.patch("notifications.services.render_pdf", side_effect=RuntimeError("no fonts")),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        act(client, open_task(process, "approval"), {"decision": "approve"})
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUING and "no fonts" in circular.issue_error
    assert not IssuedDocument.objects.exists()
    page = client.get(f"/workflow/circular/{process.pk}/").content.decode()
    assert 'role="alert"' in page and 'http-equiv="refresh"' not in page

    call_command("issue_circulars", verbosity=0)
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUED and circular.issue_error == ""
    assert IssuedDocument.objects.count() == 1
    call_command("issue_circulars", verbosity=0)  # nothing left: nothing issued twice
    assert IssuedDocument.objects.count() == 1


def test_nobody_else_gets_a_preview(world, staff, client):
    circular, task = _draft_page(client, world)
    data = {"title": "通报", "body": "正文", "preview": "1"}
    for outsider, refused in ((staff.oscar, {403}), (staff.lily, {403, 404})):
        client.force_login(outsider)
        response = client.post(task_url(task, "execute"), data)
        assert response.status_code in refused, (outsider, response.status_code)
        assert response.get("Content-Type") != "image/png"
    client.logout()
    response = client.post(task_url(task, "execute"), data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
