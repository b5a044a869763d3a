"""Every list out as a spreadsheet: one writer for .xlsx and .csv.

A list page answers `?format=xlsx` or `?format=csv` with the rows it would show (same
selector, same filters, same jurisdiction), described by a list of `Column`s that live
next to the app's selectors (`org/exports.py`, `dispatch/exports.py` …).

* Memory stays flat however many rows: a queryset is read with `.iterator()` in chunks;
  the .xlsx is written by XlsxWriter in constant-memory mode (rows go straight to a
  temporary file, strings inline — no shared-string table growing with the rows; about
  half the CPU time of openpyxl's write-only workbook) and then sent as a file; the .csv
  is streamed as it is written. (Files are read with openpyxl: core/spreadsheets.py.)
* Dates are date cells (with a number format), numbers are numbers, headers Chinese, the
  header row frozen, columns sized.
* Formula injection: a text cell beginning with = + - @, a tab or a carriage return
  could be taken for a formula by a spreadsheet. In .xlsx the cell is written as a
  string cell (type `inlineStr`, which Excel never evaluates) with the *quote prefix*
  style (Excel's own mark for "typed with a leading '"), so even editing the cell keeps
  it text, and the value itself stays exactly what was stored. A .csv has no types, so
  there the value gets a leading apostrophe (OWASP's advice): Excel shows it as text.
  (The imports take that apostrophe off again: `imports.engine.cell_text`.)
* Long digit strings (ID numbers, column kind DIGITS): a string cell in .xlsx; in a .csv
  an all-digit value is written ="110101198501020420", Excel's documented way to keep it
  text (read bare, it becomes 1.10101E+17 and loses its last digits when saved). The
  imports read ="…" of digits as the digits.
"""

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation

TEXT, DATE, NUMBER, DIGITS = "text", "date", "number", "digits"
FORMATS = ("xlsx", "csv")
CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 refuses these control characters (openpyxl would raise); a name never needs them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """One column: its (Chinese) header, how to read the value from a row, and its
    kind — TEXT, DATE (a date or datetime), NUMBER, or DIGITS (text of digits a
    spreadsheet must not take for a number: ID numbers)."""

    header: Any
    value: Callable[[Any], Any]
    kind: str = TEXT
    width: int = 14


def choice(path: str):
    """A value function for a choices field (`"gender"`, `"unit.kind"`): its label, as
    `get_FOO_display` gives it, looked up in a dict made once per model, field and
    language — `get_FOO_display` hashes lazy labels on every call, the bulk of the time
    of a 100,000-row export."""
    *relations, name = path.split(".")
    labels = {}

    def value(obj):
        for relation in relations:
            obj = getattr(obj, relation)
            if obj is None:
                return None
        code = getattr(obj, name)
        key = (type(obj), translation.get_language())
        if key not in labels:
            field = obj._meta.get_field(name)
            labels[key] = {k: str(v) for k, v in field.flatchoices}
        return labels[key].get(code, code)

    return value


def label(model, name: str, key: str | None = None):
    """A value function for a row of `.values()` (a dict): the label of the choices field
    `model.name`, the row's `key` (default `name`) holding its value."""
    field, key, labels = model._meta.get_field(name), key or name, {}

    def value(row):
        language = translation.get_language()
        if language not in labels:
            labels[language] = {k: str(v) for k, v in field.flatchoices}
        return labels[language].get(row[key], row[key])

    return value


def requested_format(request) -> str | None:
    """ "xlsx" or "csv" when the page is asked for a download, else None. Only a GET (or
    HEAD) downloads: a form posted to a URL that carries `format` still does its work."""
    if request.method not in ("GET", "HEAD"):
        return None
    value = request.GET.get("format")
    return value if value in FORMATS else None


def export_response(request, rows, columns, filename: str, fallback: str):
    """The download `requested_format(request)` asks for."""
    writer = xlsx_response if requested_format(request) == "xlsx" else csv_response
    return writer(rows, columns, filename, fallback=fallback)


def neutralised(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def _text(value) -> str:
    return _ILLEGAL.sub("", str(value))


def _date(value):
    """A date, or a datetime as a naive local one (spreadsheets have no time zones)."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    return value


def _number(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return value
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return _text(value)


def _rows(rows) -> Iterable:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return rows


def _values(row, columns):
    """The row's typed values: None stays empty; text, dates and numbers as such."""
    for column in columns:
        value = column.value(row)
        if value is None or value == "":
            yield None
        elif column.kind == DATE and isinstance(value, dt.date):
            yield _date(value)
        elif column.kind == NUMBER:
            yield _number(value)
        else:
            yield _text(value)


def content_disposition(filename: str, fallback: str, extension: str) -> str:
    """attachment; filename="fallback-20261204.xlsx"; filename*=UTF-8''干部…: browsers
    that read RFC 6266 take the Chinese name, older ones the ASCII one."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    ascii_name = re.sub(r"[^A-Za-z0-9_.-]", "_", fallback) or "export"
    return (
        f'attachment; filename="{ascii_name}-{stamp}.{extension}"; '
        f"filename*=UTF-8''{quote(f'{filename}-{stamp}.{extension}', safe='')}"
    )


def xlsx_response(rows, columns: list[Column], filename: str, *, fallback: str = "export"):
    """The rows as one .xlsx sheet, written to a temporary file and sent from it."""
    import xlsxwriter

    spool = tempfile.TemporaryFile(suffix=".xlsx")
    workbook = xlsxwriter.Workbook(
        spool,
        {
            # Rows go to disk as they are written, strings inline: memory stays flat.
            "constant_memory": True,
            # A value is what it is: never read text as a formula, number or link.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    sheet = workbook.add_worksheet(_sheet_title(filename))
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
    bold = workbook.add_format({"bold": True})
    quoted = workbook.add_format({"quote_prefix": True})
    dates = {kind: workbook.add_format({"num_format": f}) for kind, f in DATE_FORMATS.items()}
    for index, column in enumerate(columns):
        sheet.write_string(0, index, _text(column.header), bold)
    write_string, write_number, write_datetime = (
        sheet.write_string,
        sheet.write_number,
        sheet.write_datetime,
    )
    for number, row in enumerate(_rows(rows), 1):
        for index, value in enumerate(_values(row, columns)):
            if value is None:
                continue
            if isinstance(value, str):
                # Formula-like text: a string cell (never a formula) with the quote prefix.
                write_string(number, index, value, quoted if neutralised(value) else None)
            elif isinstance(value, dt.date):
                write_datetime(number, index, value, dates[type(value)])
            else:
                write_number(number, index, value)
    workbook.close()
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback, "xlsx")
    return response


DATE_FORMATS = {dt.date: "yyyy-mm-dd", dt.datetime: "yyyy-mm-dd hh:mm"}


def _sheet_title(filename: str) -> str:
    """A worksheet title: at most 31 characters, none of : \\ / ? * [ ], and no apostrophe
    first or last (Excel refuses those; a cadre's name may bring one)."""
    return re.sub(r"[:\\/?*\[\]]", " ", filename)[:31].strip("'") or "Sheet"


class _Echo:
    def write(self, value):
        return value


def _csv_value(value, kind: str = TEXT) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        if kind == DIGITS and value.isascii() and value.isdigit():
            return f'="{value}"'
        return "'" + value if neutralised(value) else value
    return str(value)


def csv_response(rows, columns: list[Column], filename: str, *, fallback: str = "export"):
    """The rows as CSV, streamed as they are read: UTF-8 with a BOM (so Excel takes it
    for UTF-8), dates as 2026-12-04, formula-like text with a leading apostrophe, digits
    (DIGITS) as ="…"."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([_text(column.header) for column in columns])
        batch = []
        for row in _rows(rows):
            values = _values(row, columns)
            batch.append(
                writer.writerow(
                    [_csv_value(v, c.kind) for c, v in zip(columns, values, strict=True)]
                )
            )
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in lines()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition(filename, fallback, "csv")
    return response


def yes_no(value) -> str:
    from django.utils.translation import gettext

    return gettext("Yes") if value else gettext("No")
