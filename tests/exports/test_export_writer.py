"""The generic writer (core.exports): types, headers, formula injection, file names."""

import datetime as dt
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from core.exports import DATE, NUMBER, Column, csv_response, xlsx_response
from tests.exports.sheets import csv_rows, values, xlsx

COLUMNS = [
    Column("姓名", lambda r: r["name"], width=12),
    Column("日期", lambda r: r["day"], DATE),
    Column("学时", lambda r: r["hours"], NUMBER),
    Column("时间", lambda r: r["at"], DATE),
]
MOMENT = timezone.make_aware(dt.datetime(2026, 3, 5, 1, 30), dt.UTC)  # 09:30 in Shanghai
ROW = {"name": "王堃", "day": dt.date(2026, 3, 5), "hours": Decimal("12.5"), "at": MOMENT}
FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "+1", "-2+3", "@SUM(A1:A9)", "\tx", "\rx"]


def rows_named(*names):
    return [{**ROW, "name": name} for name in names]


def test_it_writes_chinese_headers_a_frozen_sized_header_row_and_typed_cells():
    sheet = xlsx(xlsx_response([ROW], COLUMNS, "干部名册", fallback="cadres"))
    assert values(sheet)[0] == ["姓名", "日期", "学时", "时间"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    # The column's width in characters (the file stores it with the cell padding added).
    assert 12 <= sheet.column_dimensions["A"].width < 13
    name, day, hours, at = sheet[2]
    assert name.value == "王堃" and name.data_type == "s"
    assert day.is_date and day.value == dt.datetime(2026, 3, 5)
    assert day.number_format == "yyyy-mm-dd"
    assert hours.data_type == "n" and hours.value == 12.5
    # A moment is written in the site's time zone (spreadsheets have none).
    assert at.is_date and at.value == dt.datetime(2026, 3, 5, 9, 30)


def test_empty_values_stay_empty_cells():
    row = {"name": "王堃", "day": None, "hours": None, "at": ""}
    sheet = xlsx(xlsx_response([row], COLUMNS, "x"))
    assert values(sheet)[1] == ["王堃", None, None, None]
    assert csv_rows(csv_response([row], COLUMNS, "x"))[1] == ["王堃", "", "", ""]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_stays_text_in_xlsx(text):
    sheet = xlsx(xlsx_response(rows_named(text), COLUMNS, "x"))
    cell = sheet["A2"]
    # A string cell (never a formula), marked with Excel's quote prefix; the value intact.
    assert cell.data_type == "s"
    # A lone CR is kept as OOXML's escape _x000D_ (Excel reads it back as CR; openpyxl
    # shows the escape) or normalised to LF by an XML parser.
    assert cell.value in (text, text.replace("\r", "\n"), text.replace("\r", "_x000D_"))
    assert cell.quotePrefix is True


def test_ordinary_text_gets_no_quote_prefix():
    sheet = xlsx(xlsx_response(rows_named("王堃", "a=b"), COLUMNS, "x"))
    assert not sheet["A2"].quotePrefix and not sheet["A3"].quotePrefix


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_gets_a_leading_apostrophe_in_csv(text):
    rows = csv_rows(csv_response(rows_named(text), COLUMNS, "x"))
    assert rows[1][0] == "'" + text


def test_negative_numbers_stay_numbers():
    row = {**ROW, "hours": Decimal("-1.5")}
    assert xlsx(xlsx_response([row], COLUMNS, "x"))["C2"].value == -1.5
    assert csv_rows(csv_response([row], COLUMNS, "x"))[1][2] == "-1.5"


def test_html_and_control_characters():
    rows = rows_named("<script>alert(1)</script>&amp;", "王\x00堃\x07")
    sheet = xlsx(xlsx_response(rows, COLUMNS, "x"))
    assert sheet["A2"].value == "<script>alert(1)</script>&amp;"
    # Characters XML cannot hold are dropped instead of failing the whole file.
    assert sheet["A3"].value == "王堃"
    assert csv_rows(csv_response(rows, COLUMNS, "x"))[1][0] == "<script>alert(1)</script>&amp;"


def test_csv_is_streamed_utf8_with_bom_and_iso_dates():
    response = csv_response([ROW], COLUMNS, "干部名册", fallback="cadres")
    assert isinstance(response, StreamingHttpResponse)
    rows = csv_rows(response)
    assert rows == [
        ["姓名", "日期", "学时", "时间"],
        ["王堃", "2026-03-05", "12.5", "2026-03-05 09:30"],
    ]


def test_xlsx_is_sent_from_a_file():
    assert isinstance(xlsx_response([ROW], COLUMNS, "x"), FileResponse)


@pytest.mark.parametrize("writer,extension", [(xlsx_response, "xlsx"), (csv_response, "csv")])
def test_the_file_name_is_chinese_with_an_ascii_fallback(writer, extension):
    header = writer([ROW], COLUMNS, "干部名册", fallback="cadres")["Content-Disposition"]
    stamp = timezone.localdate().strftime("%Y%m%d")
    assert header.startswith("attachment; ")
    assert f'filename="cadres-{stamp}.{extension}"' in header
    encoded = header.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == f"干部名册-{stamp}.{extension}"
    assert header.isascii()


def test_a_generator_of_many_rows_is_written_whole():
    rows = ({**ROW, "hours": n} for n in range(5000))
    sheet = xlsx(xlsx_response(rows, COLUMNS, "x"))
    assert sheet.max_row == 5001 and sheet["C5001"].value == 4999
    rows = csv_rows(csv_response(({**ROW, "hours": n} for n in range(5000)), COLUMNS, "x"))
    assert len(rows) == 5001 and rows[-1][2] == "4999"


def test_only_a_get_asks_for_a_download():
    from django.test import RequestFactory

    from core.exports import requested_format

    factory = RequestFactory()
    assert requested_format(factory.get("/cadres/?format=xlsx")) == "xlsx"
    assert requested_format(factory.get("/cadres/?format=csv")) == "csv"
    assert requested_format(factory.get("/cadres/?format=pdf")) is None
    assert requested_format(factory.post("/rollcalls/1/?format=xlsx")) is None
