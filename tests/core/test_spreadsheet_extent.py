"""An uploaded workbook is read as far as it holds rows, whatever size it declares, and a
wrong header is not blamed on merged cells."""

import io
import re
import time
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from core.spreadsheets import Limits, open_table

COLUMNS = {"code": ("单位代码",), "name": ("单位名称",), "kind": ("单位类型",)}
LIMITS = Limits(
    max_bytes=10 * 1024 * 1024,
    max_rows=1000,
    max_inflated_bytes=50 * 1024 * 1024,
    max_ratio=1000,
)


def _rewrite(content: bytes, change) -> io.BytesIO:
    """The workbook with its first sheet's XML passed through `change`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item, data)
    out.seek(0)
    return out


def _workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _declaring(content: bytes, ref: str) -> io.BytesIO:
    return _rewrite(
        content, lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml)
    )


def _read(stream, columns=COLUMNS, required=("code", "name")):
    with open_table(
        stream, "units.xlsx", columns=columns, required=required, limits=LIMITS
    ) as table:
        return list(table)


@pytest.mark.parametrize("ref", ["A1:L5", "A1"])
def test_rows_below_the_declared_dimension_are_read(ref):
    """Java exporters (POI's streaming writer, EasyExcel) declare fewer rows than they
    write: every row of the sample's 20 cadres is read, not the declared 4 (or none)."""
    sample = settings.BASE_DIR / "demo" / "samples" / "03-cadres.xlsx"
    stream = _declaring(sample.read_bytes(), ref)
    rows = _read(stream, columns={"id_number": ("身份证号码*",)}, required=("id_number",))
    assert len(rows) == 20
    assert rows[-1][0] == 21


def test_a_declared_dimension_is_no_bound_but_the_row_limit_still_is():
    content = _workbook([["单位代码", "单位名称"], *[[f"U{i}", f"单位{i}"] for i in range(1001)]])
    with pytest.raises(ValidationError) as refusal:
        _read(_declaring(content, "A1:B2"))
    assert "1000" in refusal.value.messages[0]


def test_a_row_numbered_past_excels_last_row_is_no_endless_read():
    """Row numbers are the file's word: a row numbered in the billions after a handful
    of data rows ends in the refusal of data after blank rows, within Excel's last row."""
    content = _workbook([["单位代码", "单位名称"], ["U1", "单位1"]])
    far = '<row r="9999999999"><c r="A9999999999" t="inlineStr"><is><t>x</t></is></c></row>'
    stream = _rewrite(content, lambda xml: xml.replace("</sheetData>", far + "</sheetData>"))
    started = time.monotonic()
    assert [line for line, _row in _read(stream)] == [2]
    assert time.monotonic() - started < 20


def test_a_wrong_header_in_a_workbook_is_not_blamed_on_merged_cells():
    content = _workbook([["代码", "名称"], ["t-x", "X"]])
    with pytest.raises(ValidationError) as refusal:
        _read(io.BytesIO(content))
    assert refusal.value.messages == ["缺少列：单位代码、单位名称"]


def test_a_merge_that_swallowed_the_header_names_is_named():
    content = _workbook([["单位信息", None, None], ["t-x", "X", "国家机关"]])
    stream = _rewrite(
        content,
        lambda xml: xml.replace(
            "</sheetData>",
            '</sheetData><mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>',
        ),
    )
    with pytest.raises(ValidationError) as refusal:
        _read(stream)
    assert "表头行有空白或合并的单元格" in refusal.value.messages[1]


def _tail(rows_xml: str) -> io.BytesIO:
    """A sheet of a header, one unit and 1,000 blank rows, then `rows_xml`."""
    content = _workbook([["单位代码", "单位名称"], ["U1", "单位1"], [" ", None]])
    blanks = "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(4, 1004))
    return _rewrite(
        content, lambda xml: xml.replace("</sheetData>", blanks + rows_xml + "</sheetData>")
    )


@pytest.mark.parametrize(
    "cells",
    [
        '<c r="A1500" t="inlineStr"><is><t xml:space="preserve">  </t></is></c>',
        '<c r="C1500" t="inlineStr"><is><t>beyond the header</t></is></c>',
        '<c r="A1500" s="1"><v></v></c>',
    ],
)
def test_blank_or_far_right_cells_after_the_blank_run_are_no_data(cells):
    assert [line for line, _row in _read(_tail(f'<row r="1500">{cells}</row>'))] == [2]


@pytest.mark.parametrize(
    "cells",
    [
        '<c r="B1500"><v>0</v></c>',
        '<c r="A1500" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>',
        '<c r="A1500" t="b"><v>0</v></c>',
        '<c r="A1500"><f>1+1</f></c>',
        '<c t="inlineStr"><is><t>x</t></is></c>',
    ],
)
def test_a_value_after_the_blank_run_refuses_the_file_naming_its_row(cells):
    with pytest.raises(ValidationError) as refusal:
        _read(_tail(f'<row r="1500">{cells}</row>'))
    assert "第1500行" in refusal.value.messages[0] and "第2行" in refusal.value.messages[0]


def _shared_strings_sheet(far: str) -> io.BytesIO:
    """A workbook with shared strings (as Excel writes them; openpyxl writes inline
    ones): a header, one unit, and `far` in A1500."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    for row, values in enumerate([["单位代码", "单位名称"], ["U1", "单位1"]]):
        sheet.write_row(row, 0, values)
    sheet.write_string(1499, 0, far)
    book.close()
    out.seek(0)
    return out


def test_a_shared_string_after_the_blank_run_is_read_as_what_it_holds():
    assert [line for line, _row in _read(_shared_strings_sheet("   "))] == [2]
    with pytest.raises(ValidationError) as refusal:
        _read(_shared_strings_sheet("远处"))
    assert "第1500行" in refusal.value.messages[0]
