"""A kind's blank template, as the importer downloads it: the header row in Chinese (each
required column marked with *) and an example row; in the .xlsx a second sheet,
"填写说明", explains each column."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from imports.kinds import ImportKind

REQUIRED_MARK = "*"


def headers(kind: ImportKind) -> list[str]:
    return [str(c.header) + (REQUIRED_MARK if c.required else "") for c in kind.columns]


def template_xlsx(kind: ImportKind) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Data to import")
    sheet.append(headers(kind))
    sheet.append([c.example for c in kind.columns])
    bold, red = Font(bold=True), Font(bold=True, color="B71C1C")
    fill = PatternFill("solid", fgColor="F2F2F2")
    for index, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = red if column.required else bold
        cell.fill = fill
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = max(12, 2 * len(str(column.header)) + 4)
        # Text columns (the column's style, so every row typed into it, not only the
        # example's): ID numbers and codes keep their leading zeros and all their digits.
        dimension.number_format = "@"
        sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(_("Instructions for filling in"))
    notes.append([str(kind.label)])
    notes["A1"].font = Font(bold=True, size=14)
    if kind.description:
        notes.append([str(kind.description)])
    notes.append(
        [
            _(
                "Fill in one row per record on the first sheet, under its header row, and "
                "replace the example row. Columns marked * are required. Delete nothing from "
                "the header row; keep values, not formulas."
            )
        ]
    )
    notes.append([])
    notes.append([_("Column"), _("Required"), _("Explanation"), _("Example")])
    for cell in notes[notes.max_row]:
        cell.font = bold
    for column in kind.columns:
        notes.append(
            [
                str(column.header),
                _("Yes") if column.required else _("No"),
                str(column.help),
                column.example,
            ]
        )
    for letter, width in zip("ABCD", (20, 8, 70, 24), strict=True):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(kind: ImportKind) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese headers right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(kind))
    writer.writerow([c.example for c in kind.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
