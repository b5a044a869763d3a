"""Files refused as a whole (or read despite their oddities): a clear Chinese message —
on the upload form, with no batch and no file kept, when the header already shows it;
otherwise on the batch's page, no row kept — and nothing written."""

import io
import os
import re
import time
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from imports.models import BatchStatus, ImportBatch, ImportRow
from org.models import Unit
from tests.imports.conftest import csv_file, upload, xlsx_file


def _refused(client, world, file):
    client.force_login(world.bob)
    response = upload(client, file)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.REFUSED
    assert not ImportRow.objects.exists()
    assert batch.rows_total == 0
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "整个文件被拒收" in page and "xd-import-commit" not in page
    return batch.refusal


def _refused_on_upload(client, world, file, settings):
    """The upload form's message: no batch, nothing in storage."""
    client.force_login(world.bob)
    response = upload(client, file)
    assert response.status_code == 200
    assert not ImportBatch.objects.exists()
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*.*")))
    return response.content.decode()


def test_random_bytes_named_xlsx_are_not_a_workbook(world, client, kind, settings):
    page = _refused_on_upload(
        client, world, SimpleUploadedFile("units.xlsx", os.urandom(4096)), settings
    )
    assert "文件不是可读取的Excel工作簿。" in page


def test_an_empty_file_is_refused_and_no_batch_is_kept(world, client, kind):
    client.force_login(world.bob)
    response = upload(client, SimpleUploadedFile("units.csv", b""))
    assert response.status_code == 200
    assert "空" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_kept(world, client, kind, settings):
    settings.XUNDIAO_ORG_IMPORT_MAX_BYTES = 100
    client.force_login(world.bob)
    response = upload(client, csv_file([[f"S{i}", f"单位{i}", ""] for i in range(20)]))
    assert response.status_code == 200
    assert "超过了导入文件" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_of_another_type_is_refused(world, client, kind):
    client.force_login(world.bob)
    response = upload(client, SimpleUploadedFile("units.txt", "单位代码,单位名称\n".encode()))
    assert "请上传 .xlsx 或 .csv 文件。" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_header_only_file_is_refused_as_having_no_rows(world, client, kind):
    assert _refused(client, world, csv_file([])) == "文件在表头下没有数据行。"


def test_data_after_a_thousand_blank_rows_refuses_the_file(world, client, kind):
    """Rows after the run of blank rows that ends a table are not left out unsaid."""
    rows = [["G1", "前面的单位", ""], *([["", "", ""]] * 1500), ["G2", "后面的单位", ""]]
    refusal = _refused(client, world, xlsx_file(rows))
    assert "第1503行" in refusal and "第2行" in refusal
    assert not Unit.objects.filter(code__in=["G1", "G2"]).exists()


def test_more_rows_than_the_limit_are_refused(world, client, kind, settings):
    settings.XUNDIAO_ORG_IMPORT_MAX_ROWS = 5
    refusal = _refused(client, world, csv_file([[f"M{i}", f"单位{i}", ""] for i in range(6)]))
    assert "5" in refusal
    assert not Unit.objects.filter(code__startswith="M").exists()


def test_a_stray_cell_a_million_rows_down_is_named_not_dropped(world, client, kind):
    def far_away(sheet):
        sheet["A1000000"] = "远处的单元格"

    started = time.monotonic()
    refusal = _refused(client, world, xlsx_file([["B1", "唯一单位", ""]], build=far_away))
    assert "第1000000行" in refusal
    assert time.monotonic() - started < 20


def _sheet_with_blank_rows(rows: int) -> bytes:
    """A workbook whose sheet holds a header, one row and `rows` formatted blank rows,
    its XML written directly (openpyxl would take minutes to write them)."""
    workbook = Workbook()
    workbook.active.append(["单位代码", "单位名称"])
    workbook.active.append(["F1", "格式单位"])
    base = io.BytesIO()
    workbook.save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                blanks = "".join(
                    f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(3, rows + 3)
                )
                data = data.decode().replace("</sheetData>", blanks + "</sheetData>").encode()
                data = data.replace(b'<dimension ref="A1:B2"/>', b"")
            zf.writestr(item, data)
    return out.getvalue()


def test_a_million_formatted_blank_rows_end_the_table_after_a_thousand(world, client, kind):
    content = _sheet_with_blank_rows(1_000_000)
    started = time.monotonic()
    client.force_login(world.bob)
    upload(client, SimpleUploadedFile("units.xlsx", content))
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_total) == (BatchStatus.PREVIEWED, 1)
    assert time.monotonic() - started < 20


def test_a_merged_header_cell_is_named_in_the_refusal(world, client, kind, settings):
    def merge(sheet):
        sheet.merge_cells("A1:B1")

    page = _refused_on_upload(
        client, world, xlsx_file([["X1", "合并"]], header=("单位代码", ""), build=merge), settings
    )
    assert "缺少列：单位名称" in page
    assert "合并" in page


def test_the_template_of_another_kind_is_refused_with_the_missing_columns(
    world, client, kind, settings
):
    hours = csv_file(
        [["110101198005170011", "王堃", "2026-01-01", "2", "党史", "网院"]],
        header=("身份证号码", "姓名", "学习日期", "学时", "课程", "平台"),
    )
    page = _refused_on_upload(client, world, hours, settings)
    assert "缺少列：单位代码、单位名称" in page


def test_a_formula_cell_is_refused(world, client, kind):
    refusal = _refused(client, world, xlsx_file([["G1", '=HYPERLINK("http://x","点我")']]))
    assert refusal.startswith("第2行B列是公式")


def test_a_formula_like_value_in_a_csv_stays_plain_text(world, client, kind):
    client.force_login(world.bob)
    upload(client, csv_file([["G2", "=1+2", "@SUM(A1)"]]))
    row = ImportRow.objects.get()
    assert row.raw["name"] == "=1+2" and row.raw["note"] == "@SUM(A1)"


def test_gb18030_and_utf8_with_bom_csv_files_are_read_right(world, client, kind):
    client.force_login(world.bob)
    upload(client, csv_file([["E1", "王堃喆镕单位", ""]], name="gb.csv", encoding="gb18030"))
    upload(client, csv_file([["E2", "李玥单位", ""]], name="bom.csv", encoding="utf-8-sig"))
    gb, bom = ImportBatch.objects.order_by("pk")
    assert gb.status == bom.status == BatchStatus.PREVIEWED
    assert gb.rows.get().raw["name"] == "王堃喆镕单位"
    assert bom.rows.get().raw["name"] == "李玥单位"


def test_a_big5_csv_is_refused_with_the_encoding_named(world, client, kind, settings):
    """Big5 bytes decode as GB18030 without an error, into other characters: the header
    then holds no known name, and the refusal says how to save the file."""
    big5 = csv_file(
        [["E3", "臺北單位", ""]],
        name="big5.csv",
        encoding="big5",
        header=("單位代碼", "單位名稱", "備註"),
    )
    page = _refused_on_upload(client, world, big5, settings)
    assert "缺少列：单位代码、单位名称" in page
    assert "按 GB18030（GBK）读取" in page and "Big5" in page, page
    assert "CSV UTF-8（逗号分隔）" in page


def test_a_gb18030_csv_with_some_known_columns_is_not_blamed_on_its_encoding(
    world, client, kind, settings
):
    partly = csv_file(
        [["E4", "单位", ""]], name="gb.csv", encoding="gb18030", header=("代码", "名称", "备注")
    )
    page = _refused_on_upload(client, world, partly, settings)
    assert "缺少列：单位代码" in page and "GB18030" not in page


def _wide_sheet(data_rows: dict[int, list[str]], dimension: str) -> bytes:
    """A workbook whose sheet declares `dimension` (e.g. A1:XFD20000) and holds the given
    rows ({row number: cell texts from column A}, or a "XFD" key for one far cell), its
    XML written directly."""
    workbook = Workbook()
    base = io.BytesIO()
    workbook.save(base)
    cells = []
    for number, values in sorted(data_rows.items()):
        if values == ["XFD"]:
            row = f'<c r="XFD{number}" t="inlineStr"><is><t>x</t></is></c>'
        else:
            row = "".join(
                f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                for i, v in enumerate(values)
            )
        cells.append(f'<row r="{number}">{row}</row>')
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                head, _sep, _rest = text.partition("<sheetData")
                head = re.sub(r"<dimension [^>]*>", f'<dimension ref="{dimension}"/>', head)
                data = (head + "<sheetData>" + "".join(cells) + "</sheetData></worksheet>").encode()
            zf.writestr(item, data)
    return out.getvalue()


def test_a_sheet_declared_16384_columns_wide_is_read_as_wide_as_its_header(world, client, kind):
    """Rows are read only as wide as the header (they were padded to XFD, 16,384 cells,
    blank ones too: a 100 KB file held a worker for half a minute)."""
    from core import spreadsheets

    rows = {1: ["单位代码", "单位名称"], 2: ["W1", "宽表单位"]}
    rows.update({n: ["XFD"] for n in range(3, 20_003)})
    content = _wide_sheet(rows, "A1:XFD20002")
    read, close = spreadsheets._xlsx_rows(io.BytesIO(content), spreadsheets.Limits.from_settings())
    widths = {len(values) for line, values in read if line > 1}
    close()
    assert widths == {2}
    client.force_login(world.bob)
    upload(client, SimpleUploadedFile("units.xlsx", content))
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_total) == (BatchStatus.PREVIEWED, 1)


def test_sparse_rows_in_a_wide_declared_sheet_are_all_read(world, client, kind):
    """Twenty units with 998 blank rows between each (fewer than the 1,000 that end a
    table), in a sheet declared A1:XFD20000: every unit is read."""
    rows = {1: ["单位代码", "单位名称"]}
    rows.update({2 + 999 * i: [f"S{i}", f"稀疏单位{i}"] for i in range(20)})
    client.force_login(world.bob)
    upload(client, SimpleUploadedFile("units.xlsx", _wide_sheet(rows, "A1:XFD20000")))
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_total) == (BatchStatus.PREVIEWED, 20)


def test_an_id_number_kept_as_a_number_is_refused_for_what_it_is(world, client, kind):
    """Excel keeps 15 digits of a number: 130104197004120037 typed into a number cell is
    stored as 130104197004120000. The refusal says so, not "wrong check character"."""
    refusal = _refused(client, world, xlsx_file([["G1", 130104197004120037, ""]]))
    assert refusal.startswith("第2行B列是数字 130104197004120")
    assert "15 位" in refusal and "文本格式" in refusal


def test_blank_cells_after_the_header_are_no_merged_cells(world, client, kind, settings):
    header = ("单位代码", "备注", "上级单位", "联系人", "", "")
    trailing = _refused_on_upload(client, world, csv_file([["G1", ""]], header=header), settings)
    assert "缺少列：单位名称" in trailing and "合并" not in trailing
    inner = _refused_on_upload(
        client, world, csv_file([["G1", "", ""]], header=("单位代码", "", "备注")), settings
    )
    assert "表头行有空白或合并的单元格" in inner


def test_a_file_under_the_wrong_kind_names_the_kind_it_is(world, client, settings):
    client.force_login(world.bob)
    sample = settings.BASE_DIR / "demo" / "samples" / "03-cadres.xlsx"
    file = SimpleUploadedFile("03-cadres.xlsx", sample.read_bytes())
    page = upload(client, file, slug="units").content.decode()
    assert "此文件的表头是“干部”模板的表头" in page
    assert "合并" not in page
    assert not ImportBatch.objects.exists()


def test_the_org_import_unpacks_to_its_own_limit_not_the_hours_imports(
    world, client, kind, settings
):
    """A file the hours import would refuse for its unpacked size fits the organization
    import's own limit (200,000 rows must fit), and past that limit it is refused too."""
    rows = [[f"U{i:05d}", f"单位{i}", "备注" * 10] for i in range(3000)]
    settings.XUNDIAO_IMPORT_MAX_INFLATED_BYTES = 50_000
    settings.XUNDIAO_ORG_IMPORT_MAX_INFLATED_BYTES = 10 * 1024 * 1024
    client.force_login(world.bob)
    upload(client, xlsx_file(rows))
    assert ImportBatch.objects.get().status == BatchStatus.PREVIEWED
    settings.XUNDIAO_ORG_IMPORT_MAX_INFLATED_BYTES = 50_000
    page = upload(client, xlsx_file(rows)).content.decode()
    assert "解压后超过" in page
