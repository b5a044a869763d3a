"""The .xlsx template formats its columns as text, not just the example row: an ID
number typed into row 3 keeps all 18 digits (in a General cell Excel keeps 15)."""

import io

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from imports.kinds import registry
from imports.workbooks import template_xlsx


def test_every_column_of_every_template_is_text_in_every_row():
    for kind in registry.all():
        sheet = load_workbook(io.BytesIO(template_xlsx(kind))).worksheets[0]
        for index in range(1, len(kind.columns) + 1):
            column = sheet.column_dimensions[get_column_letter(index)]
            assert column.number_format == "@", (kind.slug, index)
            assert sheet.cell(row=2, column=index).number_format == "@"
