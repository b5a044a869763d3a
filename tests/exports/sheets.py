"""Reading a download back: the .xlsx with openpyxl, the .csv with the csv module."""

import csv
import io

import openpyxl


def xlsx(response):
    """The first sheet of an .xlsx response (the workbook read in full, not read-only, so
    cell styles and the sheet's view are there to check)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook.worksheets[0]


def values(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def by_header(sheet):
    """Each data row as {header: cell}."""
    rows = list(sheet.iter_rows())
    headers = [cell.value for cell in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def csv_rows(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def csv_by_header(response):
    rows = csv_rows(response)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
