"""A kind's template: Chinese headers with the required ones marked, an example row, the
instructions sheet; uploaded as it comes, it is read."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from imports.models import BatchStatus, ImportBatch
from tests.imports.conftest import upload


def test_the_xlsx_template_has_marked_headers_an_example_and_instructions(world, client, kind):
    client.force_login(world.bob)
    response = client.get("/imports/test_units/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "test_units-template.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["数据", "填写说明"]
    rows = list(book["数据"].iter_rows(values_only=True))
    assert rows[0] == ("单位代码*", "单位名称*", "备注")
    assert rows[1] == ("T001", "测试单位", None)
    notes = [cell for row in book["填写说明"].iter_rows(values_only=True) for cell in row if cell]
    assert "测试用：按代码导入顶层单位。" in notes
    assert "唯一代码" in notes and "可不填" in notes and "必填" in notes


def test_the_templates_uploaded_as_they_come_are_read(world, client, kind):
    client.force_login(world.bob)
    xlsx = client.get("/imports/test_units/template.xlsx").content
    csv = client.get("/imports/test_units/template.csv").content
    assert csv.startswith(b"\xef\xbb\xbf")
    assert csv.decode("utf-8-sig").splitlines()[0] == "单位代码*,单位名称*,备注"
    upload(client, SimpleUploadedFile("模板.xlsx", xlsx))
    upload(client, SimpleUploadedFile("模板.csv", csv))
    for batch in ImportBatch.objects.all():
        assert batch.status == BatchStatus.PREVIEWED, batch.refusal
        assert batch.rows.get().raw == {"code": "T001", "name": "测试单位", "note": ""}


def test_the_upload_page_lists_the_columns(world, client, kind):
    client.force_login(world.bob)
    page = client.get("/imports/test_units/").content.decode()
    assert "单位代码" in page and "唯一代码" in page
    assert 'enctype="multipart/form-data"' in page
