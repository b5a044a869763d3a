"""A table's notes read as an official writes them: each formula on one line
(参训率＝参训÷（点名－免训－未结）, never "参训率＝" at a line's end), and a blank line
between one table's notes and the next table's caption — read back from the circular."""

import datetime as dt
import re

import pytest

from notifications.documents import circular as circular_document
from notifications.documents.context import Issuer
from notifications.documents.page import LINE
from notifications.documents.render import render_pdf
from tests.pdftools import sized_lines

FORMULAS = re.compile(r"[^；。，：\n]+＝[^；。\n]+")


@pytest.fixture(scope="module")
def lines():
    """[(page, baseline, text)] of the circular's 16 pt lines, in reading order."""
    context = circular_document.circular(
        issuer=Issuer(name="中共XX市委组织部", code="X组通"),
        period="2026年第一季度",
        figures=[
            circular_document.UnitFigures(unit=f"XX市第{n}局", expected=10, attended=10 - n % 3)
            for n in range(1, 4)
        ],
        date=dt.date(2026, 4, 8),
    )
    data = render_pdf(context, document_number="X组通〔2026〕7号").data
    return [
        (n, baseline, "".join(c["text"] for c in chars)) for n, baseline, chars in sized_lines(data)
    ]


def _note(lines, note: str) -> list[str]:
    """The lines that print `note`."""
    note = note.replace("\n", "")
    first = next(i for i, (_, _, text) in enumerate(lines) if text.startswith(note[:6]))
    printed = []
    for _, _, text in lines[first:]:
        if not note.startswith("".join(printed) + text):
            break
        printed.append(text)
    assert "".join(printed) == note
    return printed


@pytest.mark.parametrize(
    "note", [circular_document.CIRCULAR_TABLE1_NOTE, circular_document.CIRCULAR_TABLE2_NOTE]
)
def test_each_formula_of_a_note_is_on_one_line(lines, note):
    printed = _note(lines, note)
    formulas = [m.group() for m in FORMULAS.finditer(note)]
    assert len(formulas) >= 1
    for formula in formulas:
        assert any(formula in line for line in printed), (formula, printed)


def test_a_blank_line_parts_a_tables_notes_from_the_next_caption(lines):
    note_end = max(
        i for i, (_, _, text) in enumerate(lines) if text.endswith("＋未结。")
    )  # the last line of 表1's notes
    page, baseline, _ = lines[note_end]
    caption_page, caption_baseline, caption = lines[note_end + 1]
    assert caption.startswith("表2")
    if caption_page == page:
        assert caption_baseline - baseline >= 2 * LINE - 1
