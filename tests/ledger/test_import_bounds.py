"""The online-hours import within bounds: a file too large, too long or unpacking to too
much is refused at once with a message naming the limit, the header is checked before any
data row is read, odd files get a clear message, nothing is stored on a refusal, and the
preview pages its rows at a flat query count."""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from ledger.models import HourImport, HourImportRow, HourRecord

HEADER = ["身份证号码", "姓名", "学习日期", "学时", "课程", "平台"]


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    return "\n".join(",".join(r) for r in [header, *rows]).encode(encoding)


def xlsx_bytes(rows, header=HEADER, sheet=None) -> bytes:
    book = Workbook()
    if sheet:
        sheet(book.active)
    else:
        book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet_xml(workbook: bytes, change) -> bytes:
    """The workbook with its sheet's XML passed through `change` (text → text)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def upload(client, content: bytes, name="hours.csv"):
    return client.post("/hours/import/", {"file": SimpleUploadedFile(name, content)})


def refusal(response) -> str:
    """The form's error on the upload page; the upload stored nothing."""
    assert response.status_code == 200
    assert not HourImport.objects.exists() and not HourImportRow.objects.exists()
    errors = re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )
    assert errors, "no error shown"
    return re.sub(r"<[^>]+>", " ", " ".join(errors)).replace("\xa0", " ")


def fine_row(world, day=1, hours="2", course="党史"):
    return [world.cadre_a.id_number, "王堃", f"2026-03-{day:02d}", hours, course, "网院"]


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if the workbook reaches openpyxl."""

    def parse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr("openpyxl.reader.excel.ExcelReader.__init__", parse)


# The bounds


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world, login, settings):
    settings.XUNDIAO_IMPORT_MAX_BYTES = 1024
    rows = [fine_row(world, day, course=f"课程{day}") for day in range(1, 29)]
    content = csv_bytes(rows)
    assert len(content) > 1024
    message = refusal(upload(login(world.bob), content))
    assert "1.0 KB" in message and "上限" in message, message


def test_a_file_within_the_size_limit_is_read(world, login, settings):
    settings.XUNDIAO_IMPORT_MAX_BYTES = 1024
    response = upload(login(world.bob), csv_bytes([fine_row(world)]))
    assert response.status_code == 302
    assert HourImport.objects.get().lines.count() == 1


def test_more_rows_than_the_limit_are_refused_naming_the_limit(world, login, settings):
    settings.XUNDIAO_IMPORT_MAX_ROWS = 3
    rows = [fine_row(world, day) for day in range(1, 5)]
    message = refusal(upload(login(world.bob), csv_bytes(rows)))
    assert "3 行" in message, message


def test_blank_rows_do_not_count_towards_the_row_limit(world, login, settings):
    settings.XUNDIAO_IMPORT_MAX_ROWS = 3
    rows = [fine_row(world, 1), [""] * 6, fine_row(world, 2), [], [",,,"], fine_row(world, 3)]
    response = upload(login(world.bob), csv_bytes(rows))
    assert response.status_code == 302
    # Lines as the user sees them in the file: the header is line 1.
    assert list(HourImport.objects.get().lines.values_list("line", flat=True)) == [2, 4, 7]


def test_a_workbook_unpacking_to_more_than_the_limit_is_refused_unparsed(
    world, login, settings, no_parsing
):
    settings.XUNDIAO_IMPORT_MAX_INFLATED_BYTES = 1024 * 1024
    settings.XUNDIAO_IMPORT_MAX_RATIO = 10**6  # only the size is at stake here
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (600 * 1024))
        archive.writestr("xl/sharedStrings.xml", b" " * (600 * 1024))
    assert len(bomb.getvalue()) < 10 * 1024
    message = refusal(upload(login(world.bob), bomb.getvalue(), "hours.xlsx"))
    assert "解压" in message and "1.0 MB" in message, message


def test_a_workbook_compressed_beyond_any_spreadsheet_is_refused_unparsed(world, login, no_parsing):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    message = refusal(upload(login(world.bob), bomb.getvalue(), "hours.xlsx"))
    assert "压缩比" in message and "100" in message, message


def test_the_header_is_checked_before_any_data_row_is_read(world, login):
    """Line 2 is broken XML, and the sheet does not declare its size (so nothing may read
    on to find it): a file with the right header fails on line 2, one with a wrong header
    is refused for its header, so line 2 was never read."""

    def break_line_2(xml):
        xml, rows = re.subn(
            r'<row r="2".*?</row>', '<row r="2"><c r="A2"><v>1</c></row>', xml, flags=re.S
        )
        xml, dimensions = re.subn(r"<dimension [^>]*/>", "", xml)
        assert rows == dimensions == 1
        return xml

    client = login(world.bob)
    broken = with_sheet_xml(xlsx_bytes([fine_row(world)]), break_line_2)
    assert "Excel" in refusal(upload(client, broken, "hours.xlsx"))

    wrong = ["编号", "人员", "时间", "时长"]
    broken = with_sheet_xml(xlsx_bytes([fine_row(world)], header=wrong), break_line_2)
    message = refusal(upload(client, broken, "hours.xlsx"))
    assert "缺少列：身份证号码、学习日期、学时" in message, message
    assert "Excel" not in message


# Files that are not what they say


def test_random_bytes_named_xlsx_get_a_clear_message(world, login):
    message = refusal(upload(login(world.bob), bytes(range(256)) * 40, "hours.xlsx"))
    assert "Excel" in message


def test_an_empty_file_gets_a_clear_message(world, login):
    assert "空" in refusal(upload(login(world.bob), b"", "hours.csv"))


def test_a_file_of_only_blank_lines_is_empty(world, login):
    assert "空" in refusal(upload(login(world.bob), b"\n,,,\n \n" * 50, "hours.csv"))


def test_a_header_without_rows_has_no_data(world, login):
    assert "没有数据" in refusal(upload(login(world.bob), csv_bytes([]), "hours.csv"))


def test_another_kind_of_file_is_refused(world, login):
    assert ".xlsx" in refusal(upload(login(world.bob), b"PK\3\4 old excel", "hours.xls"))


def test_a_million_blank_rows_under_the_data_end_the_table(world, login, settings):
    """Sheets often carry formatted but empty rows to the bottom of the sheet: they do
    not count as rows, and the table ends at a long run of them."""
    settings.XUNDIAO_IMPORT_MAX_BYTES = 20 * 1024 * 1024
    settings.XUNDIAO_IMPORT_MAX_ROWS = 5

    def blank_rows(xml):
        blank = "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(4, 1_000_004))
        return xml.replace("</sheetData>", blank + "</sheetData>")

    workbook = with_sheet_xml(xlsx_bytes([fine_row(world, 1), fine_row(world, 2)]), blank_rows)
    response = upload(login(world.bob), workbook, "hours.xlsx")
    assert response.status_code == 302, refusal(response)
    assert HourImport.objects.get().lines.count() == 2


def test_a_gb18030_csv_is_read(world, login):
    rows = [
        fine_row(world, 1, course="党章学习"),
        ["110105194912310021", "赵堃", "2026-03-01", "2", "党史", "网院"],
    ]
    response = upload(login(world.bob), csv_bytes(rows, encoding="gb18030"))
    assert response.status_code == 302
    lines = HourImport.objects.get().lines.order_by("line")
    assert [row.course for row in lines] == ["党章学习", "党史"]
    assert lines[1].name == "赵堃" and "身份证" in lines[1].errors


def test_a_utf8_csv_with_a_byte_order_mark_is_read(world, login):
    response = upload(login(world.bob), "\ufeff".encode() + csv_bytes([fine_row(world)]))
    assert response.status_code == 302
    assert not HourImport.objects.get().lines.get().errors


def test_merged_header_cells_get_a_clear_message(world, login):
    def merged(sheet):
        sheet.append(["身份证号码及姓名", None, "学习日期", "学时"])
        sheet.merge_cells("A1:B1")

    workbook = xlsx_bytes([fine_row(world)], sheet=merged)
    message = refusal(upload(login(world.bob), workbook, "hours.xlsx"))
    assert "缺少列：身份证号码" in message and "合并" in message, message


def test_formula_cells_get_a_clear_message(world, login):
    row = [world.cadre_a.id_number, "王堃", dt.date(2026, 3, 1), "=1+1", "党史", "网院"]
    message = refusal(upload(login(world.bob), xlsx_bytes([row]), "hours.xlsx"))
    assert "公式" in message and "第2行" in message and "D列" in message, message


# The preview


def make_import(client, world, count: int, errors: int = 0):
    rows = [
        [
            world.cadre_a.id_number,
            "王堃",
            (dt.date(2025, 1, 1) + dt.timedelta(days=i)).isoformat(),
            "1",
            "党史",
            "网院",
        ]
        for i in range(count - errors)
    ]
    rows += [
        ["110105194912310021", "某人", "2026-03-01", "1", f"课{i}", "网院"] for i in range(errors)
    ]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 302
    return response.url


@pytest.mark.parametrize("count", [1, 50])
def test_the_preview_costs_the_same_queries_for_1_or_50_rows(
    world, login, count, django_assert_max_num_queries
):
    client = login(world.bob)
    url = make_import(client, world, count, errors=count // 2)
    # The session, the user, the import, its counts, one page of rows, and what every
    # page asks (the menu's reach, unread notices) — the same for any number of rows.
    with django_assert_max_num_queries(11):
        page = client.get(url).content.decode()
    assert page.count("<tr data-line=") == count


def test_the_preview_pages_rows_with_errors_first(world, login):
    client = login(world.bob)
    url = make_import(client, world, 130, errors=10)
    first = client.get(url).content.decode()
    lines = [int(n) for n in re.findall(r'<tr data-line="(\d+)"', first)]
    assert len(lines) == 100
    assert lines[:10] == list(range(122, 132)) and lines[10:] == list(range(2, 92))
    assert "10行有错误" in first and "130" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert [int(n) for n in re.findall(r'<tr data-line="(\d+)"', second)] == list(range(92, 122))
    errors = client.get(url, {"show": "errors"}).content.decode()
    assert [int(n) for n in re.findall(r'<tr data-line="(\d+)"', errors)] == list(range(122, 132))
    # A page past the end shows the last one.
    assert client.get(url, {"page": 99}).content.decode().count("<tr data-line=") == 30


def test_a_long_import_commits_every_row_or_none(world, login):
    client = login(world.bob)
    url = make_import(client, world, 130)
    client.post(url)
    assert HourRecord.objects.filter(source="online_import").count() == 130
    url = make_import(client, world, 3, errors=1)
    client.post(url)
    assert HourRecord.objects.count() == 130


def test_an_upload_is_audited_with_the_files_hash(world, login):
    """Checking a file stores its rows, a state change: one event names the file's SHA-256."""
    from audit.models import AuditEvent

    client = login(world.bob)
    make_import(client, world, 3, errors=1)
    event = AuditEvent.objects.get(verb="hours.import_upload")
    assert event.actor == world.bob
    assert len(event.after["sha256"]) == 64 and int(event.after["sha256"], 16) >= 0
    assert event.after["rows"] == 3 and event.after["rows_with_errors"] == 1


def test_the_commit_costs_the_same_queries_for_5_or_40_rows(world, login):
    """Each record's audit event names its cadre: the cadres are read once, not a row
    at a time (20,000 rows took 69 s, past a web worker's timeout)."""
    client = login(world.bob)

    def commit_queries(count: int) -> int:
        url = make_import(client, world, count)
        with CaptureQueriesContext(connection) as captured:
            client.post(url)
        return len(captured)

    five = commit_queries(5)
    HourRecord.objects.all().delete()  # the next file's days again (test data only)
    assert commit_queries(40) == five
    assert HourRecord.objects.filter(source="online_import").count() == 40
