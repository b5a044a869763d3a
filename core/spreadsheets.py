"""Reading an uploaded table (.xlsx or .csv) within bounds, for every import.

An upload is untrusted: a few megabytes of .xlsx can unpack to gigabytes of sheet XML or
hold a million rows. So the size is checked before anything is read, a workbook's zip
members before it is parsed (declared sizes, compression ratio, then the bytes actually
inflated), the header before any data row, and rows are streamed (openpyxl read-only, CSV
line by line) up to a maximum count. Blank rows are skipped without counting; a long run
of them ends the table (sheets often carry a million formatted but empty rows).

    with open_table(upload, upload.name, columns=COLUMNS, required=("id_number",)) as table:
        for line, row in table:  # line as the user sees it in Excel; row: {key: value}
            ...

Every refusal is a ValidationError with a message that names the limit.
"""

import codecs
import csv
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# A table ends at this many blank rows in a row (data after them refuses the file); fewer
# blank rows are skipped.
BLANK_RUN = 1000
# A header row is read this many cells wide at most (the templates have a few dozen).
HEADER_COLUMNS = 200
# Excel's last row: rows are never read past it, whatever row numbers a sheet holds.
EXCEL_ROWS = 1_048_576
# Below this many unpacked bytes a workbook's compression ratio is not looked at.
RATIO_FLOOR = 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_inflated_bytes: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            max_bytes=settings.XUNDIAO_IMPORT_MAX_BYTES,
            max_rows=settings.XUNDIAO_IMPORT_MAX_ROWS,
            max_inflated_bytes=settings.XUNDIAO_IMPORT_MAX_INFLATED_BYTES,
            max_ratio=settings.XUNDIAO_IMPORT_MAX_RATIO,
        )


def not_a_workbook() -> ValidationError:
    return ValidationError(_("The file is not a readable Excel workbook."))


def check_upload_size(size: int, limits: Limits | None = None) -> None:
    """Refuse an empty upload or one over the size limit (before reading it)."""
    limits = limits or Limits.from_settings()
    if not size:
        raise ValidationError(_("The file is empty."))
    if size > limits.max_bytes:
        raise ValidationError(
            _("The file is %(size)s; files of at most %(limit)s can be imported.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limits.max_bytes)}
        )


def _size(stream) -> int:
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def check_workbook_archive(stream, limits: Limits) -> None:
    """Refuse a workbook whose members would unpack to more than the limit, by their
    declared sizes and compression ratio first (nothing inflated yet), then by the bytes
    they actually inflate to, counted as they come (zipfile stops a member at its
    declared size and refuses one whose checksum fails; this does not rely on it)."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise not_a_workbook() from None
    too_big = ValidationError(
        _("The workbook unpacks to more than %(limit)s, more than an import may hold.")
        % {"limit": filesizeformat(limits.max_inflated_bytes)}
    )
    with archive:
        members = archive.infolist()
        declared = sum(info.file_size for info in members)
        packed = sum(info.compress_size for info in members)
        if declared > limits.max_inflated_bytes:
            raise too_big
        if declared > RATIO_FLOOR and declared > limits.max_ratio * max(packed, 1):
            raise ValidationError(
                _(
                    "The workbook is compressed more than %(ratio)s to 1, which no "
                    "spreadsheet is; it was not read."
                )
                % {"ratio": limits.max_ratio}
            )
        inflated = 0
        try:
            for info in members:
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK):
                        inflated += len(chunk)
                        if inflated > limits.max_inflated_bytes:
                            raise too_big
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise not_a_workbook() from None
    stream.seek(0)


def _is_formula(value) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    # openpyxl's ArrayFormula and DataTableFormula
    return type(value).__name__.endswith("Formula")


class _Sheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, blind to the sheet's declared size (<dimension>): some
    exporters (Apache POI's streaming writer, EasyExcel) declare fewer rows than they
    write, and openpyxl stops at the declared last row, so the rows below it were dropped
    without a word. Rows are read as far as the sheet holds them (up to Excel's last row,
    EXCEL_ROWS) and as wide as asked; the declared size is not even looked for (openpyxl
    waits for the end of <sheetData> when a sheet has none)."""

    def _get_size(self):
        pass


class _Reader(ExcelReader):
    """openpyxl's reader (read-only) with the sheets above."""

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            worksheet = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def _xlsx_rows(stream, limits: Limits):
    """(line, values) of the workbook's active sheet, streamed; the workbook to close."""
    check_workbook_archive(stream, limits)
    try:
        # Not data_only: a formula must be seen as one, not as its cached value (which
        # a generated file may lack, or hold stale).
        reader = _Reader(stream, read_only=True, data_only=False)
        reader.read()
        book = reader.wb
        sheet = book.active
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise not_a_workbook() from exc
    if not isinstance(sheet, ReadOnlyWorksheet):  # e.g. a chart sheet
        book.close()
        raise not_a_workbook()

    shape = {"width": HEADER_COLUMNS}  # how wide the rows are read, for filled_after

    def numbered():
        # (line, values, cells to check). The header row (the first non-blank one) is
        # read at most HEADER_COLUMNS wide; the rows below it only as wide as the header,
        # however far right the sheet's cells go (a row holding a cell in XFD is 16,384
        # cells wide), but for the first data row: it comes as wide as its last cell (up
        # to HEADER_COLUMNS), for Table._map to tell a merged header cell (data under a
        # blank header cell) from a wrong header.
        width, header_line, last = HEADER_COLUMNS, 0, 0
        shape["width"] = width
        wide = sheet.iter_rows(values_only=True, max_row=EXCEL_ROWS, max_col=HEADER_COLUMNS)
        try:
            for line, values in enumerate(wide, start=1):
                last = line
                if not header_line:
                    yield line, values, width
                    if not _blank(values):
                        width, header_line = _extent(values), line
                        shape["width"] = width
                elif not _blank(values[:width]):
                    yield line, values[: max(width, _extent(values))], width
                    break
                else:
                    yield line, values[:width], width
                    if line - header_line >= BLANK_RUN:  # past this, rows are read narrow
                        break
            else:
                return
        finally:
            wide.close()
        narrow = sheet.iter_rows(
            min_row=last + 1, max_row=EXCEL_ROWS, max_col=width, values_only=True
        )
        for line, values in enumerate(narrow, start=last + 1):
            yield line, values, width

    def rows():
        try:
            for line, values, width in numbered():
                for column, value in enumerate(values[:width], start=1):
                    if _is_truncated_number(value):
                        raise ValidationError(
                            _(
                                "Row %(line)s, column %(column)s holds the number %(value)s: "
                                "Excel keeps only 15 digits of a number, so the last ones are "
                                "lost (an 18-digit ID number must be text). Format the column "
                                "as text, enter the numbers again and upload the file again."
                            )
                            % {
                                "line": line,
                                "column": _column_letter(column),
                                "value": f"{value:.0f}",
                            }
                        )
                    if value is not None and _is_formula(value):
                        raise ValidationError(
                            _(
                                "Row %(line)s, column %(column)s holds a formula (%(formula)s); "
                                "save the sheet with values instead of formulas and upload "
                                "it again."
                            )
                            % {
                                "line": line,
                                "column": _column_letter(column),
                                "formula": str(value)[:40],
                            }
                        )
                yield line, values
        except ValidationError:
            raise
        except Exception as exc:  # a broken sheet shows when its rows are read
            raise not_a_workbook() from exc

    def filled_after(line: int) -> int | None:
        try:
            with sheet._get_source() as source:
                return _first_filled_row(source, sheet._shared_strings, line, shape["width"])
        except ValidationError:
            raise
        except Exception as exc:
            raise not_a_workbook() from exc

    return _SheetRows(rows(), filled_after), book.close


class _SheetRows:
    """A sheet's rows (an iterator of (line, values)), and `filled_after(line)`: the first
    row below `line` holding a value (as wide as the rows are read), found without
    making the rows (a run of a million formatted blank rows is read in seconds)."""

    def __init__(self, rows, filled_after):
        self._rows = rows
        self.filled_after = filled_after

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._rows)


class _Found(Exception):
    pass


def _no_doctype(*_args):
    raise ValueError("a worksheet with a document type declaration")


def _first_filled_row(source, shared_strings, after: int, width: int) -> int | None:
    """The number of the first row below `after` (up to EXCEL_ROWS) with a value in its
    first `width` cells, as openpyxl reads them (a formula, a number, a shared or inline
    string that is not blank …), or None; straight from the sheet's XML with expat."""
    row = column = 0
    cell: list | None = None  # [type, formula?, text parts] of the cell being read
    text: list | None = None  # where character data goes (inside <v> or <t> of a cell)

    def start(name, attrs):
        nonlocal row, column, cell, text
        local = name.rpartition(" ")[2]
        if local == "c":
            reference = attrs.get("r", "")
            letters = reference.rstrip("0123456789")
            if letters:
                column = 0
                for letter in letters.upper():
                    column = column * 26 + ord(letter) - 64
            else:
                column += 1
            cell = [attrs.get("t", "n"), False, []]
        elif local == "row":
            number = attrs.get("r")
            row = int(number) if number else row + 1
            column = 0
            if row > EXCEL_ROWS:
                raise _Found(None)
        elif cell is not None and local in ("v", "t"):
            text = cell[2]
        elif cell is not None and local == "f":
            cell[1] = True

    def end(name):
        nonlocal cell, text
        local = name.rpartition(" ")[2]
        if local == "c" and cell is not None:
            kind, formula, parts = cell
            cell = None
            if row <= after or column > width:
                return
            value = "".join(parts).strip()
            if kind == "s" and value:
                value = str(shared_strings[int(value)] or "").strip()
            if formula or value:
                raise _Found(row)
        elif local in ("v", "t"):
            text = None

    def characters(data):
        if text is not None:
            text.append(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = _no_doctype  # a sheet has none (entities bomb)
    try:
        parser.ParseFile(source)
    except _Found as found:
        return found.args[0]
    return None


#: Excel stores every number as a double: past 15 significant digits they are gone
_EXACT_DIGITS = 10**15


def _is_truncated_number(value) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) >= _EXACT_DIGITS
    )


def _column_letter(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _csv_encoding(stream) -> str:
    """UTF-8 (with or without a byte-order mark) if the whole file decodes as it, else
    GB18030, the encoding of Chinese Excel's CSV export."""
    stream.seek(0)
    start = stream.read(3)
    if start == codecs.BOM_UTF8:
        return "utf-8-sig"
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(0)
    return "utf-8"


def _csv_rows(stream, encoding: str):
    def rows():
        # Lines split on b"\n", which is never part of a UTF-8 or GB18030 character.
        try:
            yield from enumerate(csv.reader(codecs.iterdecode(stream, encoding)), start=1)
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not readable text (UTF-8 or GB18030).")) from None
        except csv.Error as exc:
            raise ValidationError(_("The file is not a readable CSV table.")) from exc

    return rows(), lambda: None


def _extent(values) -> int:
    """How many cells a row holds up to its last non-blank one."""
    return max((i for i, v in enumerate(values, start=1) if not _blank((v,))), default=0)


def _blank(values) -> bool:
    return all(value is None or not str(value).strip() for value in values)


def _encoding_hint() -> str:
    """Said of a CSV read as GB18030 whose header held none of the column names: most
    likely saved in another encoding (Big5, say). GB18030 decodes almost any bytes, so
    such a header comes out as other characters rather than as an error."""
    return _(
        "The file was read as GB18030 (GBK) and none of its column names was recognised: "
        "if it was saved in another encoding (such as Big5), save it from Excel as "
        '"CSV UTF-8 (Comma delimited)" and upload it again.'
    )


class Table:
    """The data rows under a table's header. The header is read and checked when the
    table is made, before any data row; iterating yields (line, {key: value}) for the
    non-blank rows, and refuses a table with more rows than the limit."""

    def __init__(
        self,
        rows: Iterator,
        columns: Mapping[str, Sequence[str]],
        required: Sequence[str],
        limits: Limits,
        *,
        guessed_gb18030: bool = False,
    ):
        self._rows = rows
        self.limits = limits
        self.header_line, header = self._header(rows)
        self.header = tuple(header)  # the header's cells as read (stripped, to the last)
        try:
            self.columns = self._map(header, columns, required, rows)
        except ValidationError as refusal:
            if guessed_gb18030 and not any(
                cell in names for names in columns.values() for cell in header
            ):
                raise ValidationError([*refusal.messages, _encoding_hint()]) from None
            raise

    @staticmethod
    def _header(rows):
        blanks = 0
        for line, values in rows:
            if not _blank(values):
                return line, [
                    "" if v is None else str(v).strip() for v in values[: _extent(values)]
                ]
            blanks += 1
            if blanks >= BLANK_RUN:
                break
        raise ValidationError(_("The file is empty."))

    @staticmethod
    def _map(header, columns, required, rows) -> dict[str, int]:
        found = {}
        for key, names in columns.items():
            for index, cell in enumerate(header):
                if cell in names:
                    found[key] = index
        missing = [columns[key][0] for key in required if key not in found]
        if missing:
            messages = [_("Missing columns: %(columns)s") % {"columns": "、".join(missing)}]
            filled = [index for index, cell in enumerate(header) if cell]
            inner_blank = filled and not all(header[filled[0] : filled[-1] + 1])
            # A merge that swallowed the last names leaves data under blank header cells
            # (read-only openpyxl sees a merged cell as its first cell and blanks); a wrong
            # header has none. The file is refused: its first data row may be read.
            swallowed = (
                filled
                and len(filled) < len(columns)
                and Table._first_data_extent(rows) > len(header)
            )
            if inner_blank or swallowed:
                messages.append(
                    _(
                        "The header row has empty or merged cells; write one column name "
                        "in each cell: %(columns)s"
                    )
                    % {"columns": "、".join(names[0] for names in columns.values())}
                )
            raise ValidationError(messages)
        return found

    @staticmethod
    def _first_data_extent(rows) -> int:
        """How many cells the first data row holds up to its last non-blank one (0 when
        none is in reach or the file cannot be read that far)."""
        try:
            for blanks, (_line, values) in enumerate(rows):
                if not _blank(values):
                    return _extent(values)
                if blanks >= BLANK_RUN:
                    break
        except ValidationError:
            pass
        return 0

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        count = blanks = 0
        for line, values in self._rows:
            if _blank(values):
                blanks += 1
                if blanks >= BLANK_RUN:
                    self._refuse_data_after(line, line - blanks)
                    break
                continue
            blanks = 0
            count += 1
            if count > self.limits.max_rows:
                raise ValidationError(
                    _(
                        "The file has more than %(limit)s rows of data; split it into files "
                        "of at most %(limit)s rows."
                    )
                    % {"limit": self.limits.max_rows}
                )
            width = len(values)
            yield (
                line,
                {
                    key: ("" if index >= width or values[index] is None else values[index])
                    for key, index in self.columns.items()
                },
            )
        if not count:
            raise ValidationError(_("The file has no rows of data under its header."))

    def _refuse_data_after(self, line: int, last_line: int) -> None:
        """The table ended at `last_line`, before a run of blank rows up to `line`: refuse
        the file if anything follows the run, rather than leave it out unsaid. A sheet is
        looked through for a value below (`_SheetRows.filled_after`: no rows are made);
        a CSV's remaining lines are read."""
        filled_after = getattr(self._rows, "filled_after", None)
        if filled_after is not None:
            found = filled_after(line)
        else:
            found = next((n for n, values in self._rows if not _blank(values)), None)
        if found is not None:
            raise ValidationError(
                _(
                    "Row %(line)s holds data after %(blanks)s or more blank rows (the "
                    "table seemed to end at row %(last)s). Remove the blank rows or the "
                    "stray cells and upload the file again."
                )
                % {"line": found, "blanks": BLANK_RUN, "last": last_line}
            )


@contextmanager
def open_table(
    upload,
    name: str,
    *,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str],
    limits: Limits | None = None,
):
    """The table of an uploaded .xlsx or .csv file (a binary file object, e.g. Django's
    UploadedFile), its header checked; see the module's docstring."""
    limits = limits or Limits.from_settings()
    stream = getattr(upload, "file", upload)  # Django's File wraps the real stream
    check_upload_size(_size(stream), limits)
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        rows, close = _xlsx_rows(stream, limits)
        encoding = None
    elif lower.endswith(".csv"):
        encoding = _csv_encoding(stream)
        rows, close = _csv_rows(stream, encoding)
    else:
        raise ValidationError(_("Upload an .xlsx or .csv file."))
    try:
        yield Table(rows, columns, required, limits, guessed_gb18030=encoding == "gb18030")
    finally:
        close()
